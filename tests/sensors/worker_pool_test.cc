// WorkerPool: flows spread over N workers give the same events, in the same order, as one worker.
#include "vigil/sensors/worker_pool.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sensors/frames.h"

using namespace vigil;
using namespace vigil::sensors;
using namespace vigil::sensors::test;

namespace {

constexpr uint8_t kSyn = rules::kTcpSyn;
constexpr uint8_t kAck = rules::kTcpAck;
constexpr uint8_t kPsh = rules::kTcpPsh;

// Many hosts, TCP and UDP, with pauses long enough for flows to time out between packets of other
// flows (so sweeps end flows of every shard), a split attack, and a thresholded rule across flows.
std::vector<TimedFrame> traffic() {
  std::vector<TimedFrame> frames;
  Timestamp t = seconds(100);
  for (int round = 0; round < 3; ++round) {
    for (int host = 1; host <= 12; ++host) {
      const std::string client = "192.168.1." + std::to_string(host);
      const std::string server = "10.0.0." + std::to_string(host % 5 + 1);
      const auto port = static_cast<uint16_t>(40000 + host + 100 * round);
      frames.push_back({t += 10, ether(0x0800, ipv4(kProtoTcp, tcp(port, 80, kSyn, {}, {}, 1000), client, server))});
      frames.push_back({t += 10, ether(0x0800, ipv4(kProtoTcp, tcp(80, port, kSyn | kAck, {}, {}, 5000, 1001),
                                                    server, client))});
      frames.push_back({t += 10, ether(0x0800, ipv4(kProtoTcp, tcp(port, 80, kAck, {}, {}, 1001, 5001), client, server))});
      frames.push_back({t += 10, ether(0x0800, ipv4(kProtoTcp, tcp(port, 80, kPsh | kAck, text("GET /ev"), {}, 1001, 5001),
                                                    client, server))});
      frames.push_back({t += 10, ether(0x0800, ipv4(kProtoTcp, tcp(port, 80, kPsh | kAck, text("il HTTP/1.0"), {}, 1008, 5001),
                                                    client, server))});
      frames.push_back({t += 10, ether(0x0800, ipv4(kProtoUdp, udp(port, 53, text("query noisy")), client, server))});
      frames.push_back({t += 10, ether(0x0806, Bytes(28, 0))});  // not IP: worker 0, time still moves
    }
    t += seconds(400);  // every flow times out before the next round
  }
  return frames;
}

const char* kRules =
    "alert tcp any any -> any 80 (msg:\"split\"; flow:established,to_server; content:\"/evil\"; sid:1;)\n"
    "alert udp any any -> any 53 (msg:\"noisy\"; content:\"noisy\"; threshold:type limit, track by_dst, count 2, "
    "seconds 60; sid:2;)\n";

std::vector<std::string> run(size_t workers) {
  rules::RuleLoadReport report;
  auto rule_set = rules::compile_rule_text(kRules, "test.rules", rules::RuleVariables::suricata_defaults(), report);
  REQUIRE(rule_set.has_value());
  REQUIRE(report.issues.empty());
  FakeEventSink sink;
  WorkerPoolOptions options;
  options.workers = workers;
  options.batch_frames = 7;  // many batches, some events cross batch boundaries
  options.batches_in_flight = 2;
  {
    WorkerPool pool(SensorIdentity{"s", "z"}, *rule_set, sink, ProcessorOptions{}, options);
    for (const auto& frame : traffic()) pool.submit(kLinkEthernet, raw_of(frame.data, frame.ts));
    pool.finish();
    uint64_t packets = 0;
    for (const auto& s : pool.worker_stats()) packets += s.packets;
    CHECK(packets == traffic().size());
  }
  std::vector<std::string> out;
  for (const Event& e : sink.events) {
    std::string line = std::to_string(static_cast<int>(e.type)) + " " + std::to_string(e.timestamp) + " " +
                       std::to_string(e.flow_id);
    if (e.alert) line += " sid " + std::to_string(e.alert->signature_id);
    if (e.flow) line += " " + e.flow->reason + (e.flow->alerted ? " alerted" : "");
    out.push_back(line);
  }
  return out;
}

size_t count_with(const std::vector<std::string>& lines, const std::string& what) {
  size_t n = 0;
  for (const auto& l : lines) n += l.find(what) != std::string::npos;
  return n;
}

}  // namespace

TEST_CASE("worker pool: the same events in the same order for 1, 2 and 3 workers", "[sensors][workers]") {
  const auto one = run(1);
  CHECK(count_with(one, "sid 1") == 36);  // every split request, once
  CHECK(count_with(one, "sid 2") == 30);  // limit 2 per destination (5 servers) per minute, 3 rounds
  CHECK(count_with(one, "timeout") == 48);  // rounds 1 and 2 time out; round 3 ends at shutdown
  CHECK(count_with(one, "shutdown") == 24);
  CHECK(run(2) == one);
  CHECK(run(3) == one);
}

TEST_CASE("worker pool: flush() delivers a partial batch, advance_time() expires idle flows", "[sensors][workers]") {
  FakeEventSink sink;
  WorkerPoolOptions options;
  options.workers = 2;
  options.batch_frames = 1000;
  WorkerPool pool(SensorIdentity{"s", "z"}, nullptr, sink, ProcessorOptions{}, options);
  const auto frame = ether(0x0800, ipv4(kProtoUdp, udp(5000, 53, text("q")), "192.168.1.1", "10.0.0.1"));
  pool.submit(kLinkEthernet, raw_of(frame, seconds(10)));
  pool.flush();
  CHECK(sink.events.empty());  // one packet, nothing to report yet
  pool.advance_time(seconds(10) + seconds(600));  // idle: the UDP flow times out
  pool.flush();
  REQUIRE(sink.events.size() == 1);
  CHECK(sink.events[0].type == EventType::flow);
  CHECK(sink.events[0].flow->reason == "timeout");
  pool.finish();
  CHECK(sink.events.size() == 1);
}
