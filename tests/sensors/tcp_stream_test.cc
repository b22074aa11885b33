// TCP stream reassembly: segment order, retransmissions, overlaps (first wins), gaps, depth and
// memory; and stream detection through the whole packet path on small captures written here.
#include "vigil/sensors/tcp_stream.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sensors/frames.h"
#include "vigil/sensors/packet_processor.h"
#include "vigil/sensors/pcap_file_source.h"

using namespace vigil;
using namespace vigil::sensors;
using namespace vigil::sensors::test;

namespace {

constexpr uint8_t kSyn = rules::kTcpSyn;
constexpr uint8_t kAck = rules::kTcpAck;
constexpr uint8_t kPsh = rules::kTcpPsh;
constexpr uint32_t kClientIsn = 1000;
constexpr uint32_t kServerIsn = 5000;

// Records what a reassembler hands on, as one string per delivery.
class Recorder final : public StreamConsumer {
 public:
  void on_stream_data(rules::StreamContext&, std::string_view history, std::string_view data,
                      uint64_t history_offset) override {
    deliveries.emplace_back(data);
    histories.emplace_back(history);
    history_offsets.push_back(history_offset);
    stream += data;
  }
  std::vector<std::string> deliveries;
  std::vector<std::string> histories;
  std::vector<uint64_t> history_offsets;
  std::string stream;
};

struct Direction {
  StreamOptions options;
  StreamStats stats;
  Recorder out;
  TcpReassembler r;
  Direction() { r.on_syn(kClientIsn); }  // data starts at kClientIsn + 1
  void add(uint32_t rel, std::string_view data) { r.add(kClientIsn + 1 + rel, data, options, stats, out); }
};

// A client (inside HOME_NET) talking to a web server; `rel` counts payload bytes from 0.
Bytes c2s(uint8_t flags, uint32_t rel, const std::string& payload = "") {
  return ether(0x0800, ipv4(kProtoTcp, tcp(51000, 80, flags, text(payload), {}, kClientIsn + 1 + rel, kServerIsn + 1),
                            "192.168.1.10", "10.1.1.1"));
}
Bytes s2c(uint8_t flags, uint32_t rel, const std::string& payload = "", uint32_t ack_rel = 0) {
  return ether(0x0800, ipv4(kProtoTcp, tcp(80, 51000, flags, text(payload), {}, kServerIsn + 1 + rel,
                                           kClientIsn + 1 + ack_rel),
                            "10.1.1.1", "192.168.1.10"));
}
std::vector<TimedFrame> handshake() {
  return {{seconds(1), ether(0x0800, ipv4(kProtoTcp, tcp(51000, 80, kSyn, {}, {}, kClientIsn), "192.168.1.10",
                                          "10.1.1.1"))},
          {seconds(1) + 10, ether(0x0800, ipv4(kProtoTcp, tcp(80, 51000, kSyn | kAck, {}, {}, kServerIsn,
                                                               kClientIsn + 1),
                                               "10.1.1.1", "192.168.1.10"))},
          {seconds(1) + 20, c2s(kAck, 0)}};
}

const char* kRules =
    "alert tcp any any -> any any (msg:\"split attack\"; flow:established,to_server; content:\"ATTACK-PAYLOAD\"; "
    "sid:1;)\n"
    "alert tcp any any -> any any (msg:\"only on the stream\"; flow:to_server,only_stream; content:\"cmd.exe\"; "
    "sid:2;)\n"
    "alert tcp any any -> any any (msg:\"only on packets\"; flow:to_server,no_stream; content:\"cmd.exe\"; sid:3;)\n"
    "alert tcp any any -> any any (msg:\"first wins\"; content:\"GOOD-BYTES\"; sid:4;)\n"
    "alert tcp any any -> any any (msg:\"overwritten\"; content:\"EVIL-BYTES\"; sid:5;)\n"
    "alert tcp any any -> any any (msg:\"across gap\"; content:\"before-after\"; sid:6;)\n";

struct Replayed {
  std::vector<Event> alerts;
  SensorStats stats;
  std::vector<Event> events;  // every event, in emission order
  std::vector<uint32_t> sids() const {
    std::vector<uint32_t> out;
    for (const auto& a : alerts) out.push_back(a.alert->signature_id);
    return out;
  }
};

// Writes the frames as a capture, replays it through a PacketProcessor and returns its alerts.
Replayed replay(const std::vector<TimedFrame>& frames, ProcessorOptions options = {}, const char* rules = kRules) {
  TempDir dir;
  const std::string path = dir.file("stream.pcap");
  write_pcap(path, kLinkEthernet, frames);
  rules::RuleLoadReport report;
  auto rule_set = rules::compile_rule_text(rules, "test.rules", rules::RuleVariables::suricata_defaults(), report);
  REQUIRE(rule_set.has_value());
  REQUIRE(report.issues.empty());
  FakeEventSink sink;
  PacketProcessor processor(SensorIdentity{"s", "z"}, *rule_set, sink, options);
  auto source = PcapFileSource::open(path);
  REQUIRE(source.has_value());
  RawPacket raw;
  while (*source->next(raw)) processor.process(source->link_type(), raw);
  processor.finish();
  return {sink.of_type(EventType::alert), processor.stats(), sink.events};
}

std::vector<TimedFrame> with_handshake(std::vector<TimedFrame> data) {
  auto frames = handshake();
  frames.insert(frames.end(), data.begin(), data.end());
  return frames;
}

}  // namespace

TEST_CASE("stream: in-order segments pass straight through, history follows", "[sensors][stream]") {
  Direction d;
  d.add(0, "hello ");
  d.add(6, "world");
  CHECK(d.out.stream == "hello world");
  CHECK(d.out.histories == std::vector<std::string>{"", "hello "});
  CHECK(d.stats.in_order == 2);
  CHECK(d.stats.bytes == 11);
}

TEST_CASE("stream: out-of-order segments wait for the hole, then come out in order", "[sensors][stream]") {
  Direction d;
  d.add(10, "KLMNO");
  d.add(5, "FGHIJ");
  CHECK(d.out.stream.empty());
  CHECK(d.r.pending_bytes() == 10);
  d.add(0, "ABCDE");
  CHECK(d.out.stream == "ABCDEFGHIJKLMNO");
  CHECK(d.out.deliveries == std::vector<std::string>{"ABCDE", "FGHIJ", "KLMNO"});
  CHECK(d.stats.out_of_order == 2);
  CHECK(d.r.pending_bytes() == 0);
  // All three were held a moment while the hole filled; then only the direction's history window
  // (allocated with the first in-order bytes) remains.
  CHECK(d.stats.memory_peak == 15 + d.options.history);
  CHECK(d.stats.memory == d.options.history);
}

TEST_CASE("stream: retransmissions add nothing, overlaps keep the bytes seen first", "[sensors][stream]") {
  Direction d;
  d.add(0, "AAAA");
  d.add(0, "AAAA");  // retransmission
  d.add(2, "XXBB");  // overlaps two delivered bytes: only "BB" is new
  CHECK(d.out.stream == "AAAABB");
  CHECK(d.stats.retransmissions == 1);
  CHECK(d.stats.overlaps == 1);

  SECTION("overlap between two held segments: the earlier arrival wins") {
    d.add(10, "1111");  // held: stream offsets 10..13
    d.add(8, "22222222");  // offsets 8..15: 8, 9, 14, 15 are new; 10..13 stay "1111"
    d.add(6, "33");
    CHECK(d.out.stream == "AAAABB" "33" "22" "1111" "22");
  }
}

TEST_CASE("stream: a hole the receiver acknowledged is a gap, data after it continues", "[sensors][stream]") {
  Direction d;
  d.add(0, "before-");
  d.r.on_peer_ack(kClientIsn + 1 + 20);  // the server got bytes 0..19: 7..13 were never captured
  d.add(14, "after");
  CHECK(d.out.stream == "before-after");
  CHECK(d.stats.gaps == 1);
  CHECK(d.stats.gap_bytes == 7);
  CHECK(d.out.histories.back().empty());  // nothing joins across the hole
  CHECK(d.out.history_offsets == std::vector<uint64_t>{0, 14});  // stream positions count the hole
  CHECK(d.r.offset() == 19);
}

TEST_CASE("stream: too much waiting on a hole makes it a gap", "[sensors][stream]") {
  Direction d;
  d.options.max_pending = 8;
  d.add(0, "ab");
  d.add(5, "cdef");
  CHECK(d.stats.gaps == 0);
  d.add(9, "ghijk");  // 9 bytes would wait
  CHECK(d.stats.gaps == 1);
  CHECK(d.out.stream == "abcdefghijk");
}

TEST_CASE("stream: the depth limit stops inspection and frees the direction's memory", "[sensors][stream]") {
  Direction d;
  d.options.depth = 10;
  d.add(0, "0123456");
  d.add(7, "789abc");
  d.add(13, "def");
  CHECK(d.out.stream == "0123456789");
  CHECK(d.r.depth_reached());
  CHECK(d.stats.depth_reached == 1);
  CHECK(d.stats.memory == 0);
}

TEST_CASE("stream: sequence numbers wrap around", "[sensors][stream]") {
  StreamOptions options;
  StreamStats stats;
  Recorder out;
  TcpReassembler r;
  r.on_syn(0xfffffffd);  // data starts at 0xfffffffe
  r.add(0x00000002, "EF", options, stats, out);
  r.add(0xfffffffe, "ABCD", options, stats, out);
  CHECK(out.stream == "ABCDEF");
}

TEST_CASE("stream: a content split across two TCP segments alerts once", "[sensors][stream][integration]") {
  const auto result = replay(with_handshake({{seconds(2), c2s(kPsh | kAck, 0, "GET /?q=ATTACK-")},
                                             {seconds(3), c2s(kPsh | kAck, 15, "PAYLOAD HTTP/1.0\r\n\r\n")},
                                             {seconds(4), s2c(kAck, 0, "", 35)}}));
  REQUIRE(result.sids() == std::vector<uint32_t>{1});
  CHECK(result.alerts[0].timestamp == seconds(3));  // the segment that completed it
  CHECK(result.stats.stream.bytes == 35);
  CHECK(result.stats.stream.memory == 0);  // every flow ended at finish
}

TEST_CASE("stream: a content inside one segment alerts once, not again from the stream",
          "[sensors][stream][integration]") {
  const auto result = replay(with_handshake({{seconds(2), c2s(kPsh | kAck, 0, "x ATTACK-PAYLOAD x")},
                                             {seconds(3), c2s(kPsh | kAck, 18, "more data")}}));
  CHECK(result.sids() == std::vector<uint32_t>{1});
  CHECK(result.alerts[0].timestamp == seconds(2));
}

TEST_CASE("stream: only_stream and no_stream rules see only their buffer", "[sensors][stream][integration]") {
  SECTION("split: only the stream sees it") {
    const auto result = replay(with_handshake({{seconds(2), c2s(kPsh | kAck, 0, "run cmd")},
                                               {seconds(3), c2s(kPsh | kAck, 7, ".exe now")}}));
    CHECK(result.sids() == std::vector<uint32_t>{2});
  }
  SECTION("whole in one packet: both") {
    const auto result = replay(with_handshake({{seconds(2), c2s(kPsh | kAck, 0, "run cmd.exe now")}}));
    CHECK(result.sids() == std::vector<uint32_t>{2, 3});
  }
}

TEST_CASE("stream: out-of-order segments are matched in stream order", "[sensors][stream][integration]") {
  const auto result = replay(with_handshake({{seconds(2), c2s(kPsh | kAck, 10, "PAYLOAD")},
                                             {seconds(3), c2s(kPsh | kAck, 0, "xxxATTACK-")}}));
  REQUIRE(result.sids() == std::vector<uint32_t>{1});
  CHECK(result.alerts[0].timestamp == seconds(3));  // the segment that filled the hole
  CHECK(result.stats.stream.out_of_order == 1);
}

TEST_CASE("stream: overlapping segments reassemble first-wins", "[sensors][stream][integration]") {
  // "GOOD-" then a segment that rewrites bytes 0..9 as "EVIL-BYTES": the stream keeps "GOOD-",
  // takes "BYTES" as new, so the stream reads "GOOD-BYTES". The rewrite is still a packet of its
  // own, and the packet rule sees it as sent.
  const auto result = replay(with_handshake({{seconds(2), c2s(kPsh | kAck, 0, "GOOD-")},
                                             {seconds(3), c2s(kPsh | kAck, 0, "EVIL-BYTES")}}));
  CHECK(result.sids() == std::vector<uint32_t>{4, 5});
  CHECK(result.stats.stream.overlaps == 1);
  const auto quiet = replay(with_handshake({{seconds(2), c2s(kPsh | kAck, 0, "GOOD-")},
                                            {seconds(3), c2s(kPsh | kAck, 3, "D-BYTES")}}));
  CHECK(quiet.sids() == std::vector<uint32_t>{4});
}

TEST_CASE("stream: nothing matches across a gap", "[sensors][stream][integration]") {
  const auto result = replay(with_handshake({{seconds(2), c2s(kPsh | kAck, 0, "before-")},
                                             {seconds(3), s2c(kAck, 0, "", 20)},
                                             {seconds(4), c2s(kPsh | kAck, 14, "after")}}));
  CHECK(result.alerts.empty());
  CHECK(result.stats.stream.gaps == 1);
}

TEST_CASE("stream: absolute offset and depth count from the start of the stream, not of the window",
          "[sensors][stream][integration]") {
  // Four 1000-byte segments; "MARK" sits at stream byte 3500 (byte 500 of the fourth segment). The
  // fourth segment is inspected with the 2048 bytes before it, a window starting at stream byte
  // 952, where MARK is at window byte 2548. Stream-only rules, so a packet match cannot stand in
  // for the stream one.
  const char* rules =
      "alert tcp any any -> any any (msg:\"at 3500\"; flow:to_server,only_stream; content:\"MARK\"; "
      "offset:3500; depth:4; sid:11;)\n"
      "alert tcp any any -> any any (msg:\"at the window's 2548\"; flow:to_server,only_stream; "
      "content:\"MARK\"; offset:2548; depth:4; sid:12;)\n"
      "alert tcp any any -> any any (msg:\"ends too late\"; flow:to_server,only_stream; content:\"MARK\"; "
      "depth:3503; sid:13;)\n"
      "alert tcp any any -> any any (msg:\"wide\"; flow:to_server,only_stream; content:\"MARK\"; "
      "offset:3000; depth:1000; sid:14;)\n"
      // The stream starts with "bbbb"; the window with "aaaa", which startswith must not take for it.
      "alert tcp any any -> any any (msg:\"starts with aaaa\"; flow:to_server,only_stream; content:\"aaaa\"; "
      "startswith; content:\"MARK\"; fast_pattern; sid:15;)\n"
      "alert tcp any any -> any any (msg:\"byte at 952\"; flow:to_server,only_stream; content:\"MARK\"; "
      "byte_test:1,=,97,952; sid:16;)\n"
      "alert tcp any any -> any any (msg:\"byte at the window's 0\"; flow:to_server,only_stream; content:\"MARK\"; "
      "byte_test:1,=,98,0; isdataat:!3600; sid:17;)\n";
  std::string first = "bbbb" + std::string(996, 'a');
  std::string fourth(1000, 'd');
  fourth.replace(500, 4, "MARK");
  const auto result = replay(with_handshake({{seconds(2), c2s(kPsh | kAck, 0, first)},
                                             {seconds(3), c2s(kPsh | kAck, 1000, std::string(1000, 'b'))},
                                             {seconds(4), c2s(kPsh | kAck, 2000, std::string(1000, 'c'))},
                                             {seconds(5), c2s(kPsh | kAck, 3000, fourth)}}),
                             {}, rules);
  CHECK(result.sids() == std::vector<uint32_t>{11, 14, 16});
  for (const auto& alert : result.alerts) CHECK(alert.timestamp == seconds(5));
}

TEST_CASE("stream: data still held behind a hole is inspected when the flow ends", "[sensors][stream][integration]") {
  // "ATTACK-" and "PAYLOAD" wait behind bytes 5..19, which never come and are never acknowledged:
  // neither packet matches alone, and nothing reaches the stream until the flow ends.
  auto frames = with_handshake({{seconds(2), c2s(kPsh | kAck, 0, "GET /")},
                                {seconds(3), c2s(kPsh | kAck, 20, "ATTACK-")},
                                {seconds(4), c2s(kPsh | kAck, 27, "PAYLOAD")}});
  SECTION("end of capture") {
    const auto result = replay(frames);
    REQUIRE(result.sids() == std::vector<uint32_t>{1});
    CHECK(result.alerts[0].timestamp == seconds(4));  // the flow's last packet
    CHECK(result.alerts[0].src_ip == ip("192.168.1.10"));
    CHECK(result.alerts[0].dest_port == 80);
    CHECK(result.stats.stream.gaps == 1);
    CHECK(result.stats.stream.gap_bytes == 15);
    CHECK(result.stats.stream.memory == 0);
    REQUIRE(result.events.size() == 2);  // the alert, then the flow event that says so
    CHECK(result.events[1].type == EventType::flow);
    CHECK(result.events[1].flow->reason == "shutdown");
    CHECK(result.events[1].flow->alerted);
  }
  SECTION("timeout, seen when another flow moves packet time on") {
    frames.push_back({seconds(1000), ether(0x0800, ipv4(kProtoUdp, udp(5000, 53, text("q")), "192.168.1.20",
                                                        "10.1.1.2"))});
    const auto result = replay(frames);
    REQUIRE(result.sids() == std::vector<uint32_t>{1});
    CHECK(result.alerts[0].timestamp == seconds(4));
    REQUIRE(result.events.size() >= 2);
    CHECK(result.events[0].type == EventType::alert);
    CHECK(result.events[1].flow->reason == "timeout");
  }
  SECTION("a hole that is never closed is not matched across") {
    const auto result = replay(with_handshake({{seconds(2), c2s(kPsh | kAck, 0, "ATTACK-")},
                                               {seconds(3), c2s(kPsh | kAck, 10, "PAYLOAD")}}));
    CHECK(result.alerts.empty());
    CHECK(result.stats.stream.gaps == 1);
    CHECK(result.stats.stream.bytes == 14);
  }
}
