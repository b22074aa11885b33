#include "vigil/sensors/packet_processor.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "sensors/frames.h"

using namespace vigil;
using namespace vigil::sensors;
using namespace vigil::sensors::test;

namespace {

constexpr uint8_t kSyn = rules::kTcpSyn;
constexpr uint8_t kAck = rules::kTcpAck;
constexpr uint8_t kPsh = rules::kTcpPsh;

const std::string kClient = "192.168.1.10";
const std::string kServer = "10.1.1.1";

Bytes c2s(uint8_t flags, const std::string& payload = "") {
  return ether(0x0800, ipv4(kProtoTcp, tcp(51000, 80, flags, text(payload)), kClient, kServer));
}
Bytes s2c(uint8_t flags, const std::string& payload = "") {
  return ether(0x0800, ipv4(kProtoTcp, tcp(80, 51000, flags, text(payload)), kServer, kClient));
}

struct Harness {
  explicit Harness(std::shared_ptr<const rules::RuleSet> rules = nullptr, ProcessorOptions options = {})
      : processor(SensorIdentity{"sensor-a", "datacenter"}, std::move(rules), sink, options) {}
  void feed(const Bytes& frame, Timestamp ts, int link_type = kLinkEthernet) {
    processor.process(link_type, raw_of(frame, ts));
  }
  FakeEventSink sink;
  PacketProcessor processor;
};

uint64_t counter(const std::vector<std::pair<std::string, uint64_t>>& counters, const std::string& name) {
  for (const auto& [n, v] : counters) {
    if (n == name) return v;
  }
  FAIL("no counter " << name);
  return 0;
}

}  // namespace

TEST_CASE("processor: a TCP session becomes one flow event at finish", "[sensors][processor]") {
  Harness h;
  h.feed(c2s(kSyn), seconds(1));
  h.feed(s2c(kSyn | kAck), seconds(1) + 10);
  h.feed(c2s(kAck), seconds(1) + 20);
  h.feed(c2s(kPsh | kAck, "GET / HTTP/1.1\r\n\r\n"), seconds(2));
  h.feed(pad_to(ether(0x0806, Bytes(28, 0)), 60), seconds(2));  // ARP: counted only
  CHECK(h.sink.events.empty());
  h.processor.finish();
  const auto flows = h.sink.of_type(EventType::flow);
  REQUIRE(flows.size() == 1);
  CHECK(flows[0].sensor == "sensor-a");
  CHECK(flows[0].zone == "datacenter");
  CHECK(flows[0].src_ip == ip(kClient));
  CHECK(flows[0].flow->pkts_toserver == 3);
  CHECK(flows[0].flow->reason == "shutdown");
  CHECK_FALSE(flows[0].flow->alerted);

  const auto stats = h.processor.stats();
  CHECK(stats.packets == 5);
  CHECK(stats.decoder.ipv4 == 4);
  CHECK(stats.decoder.tcp == 4);
  CHECK(stats.decoder.non_ip == 1);
  CHECK(stats.flows.created == 1);
  CHECK(stats.flows.ended == 1);
  CHECK(stats.alerts == 0);

  const auto counters = h.processor.counters();
  CHECK(std::is_sorted(counters.begin(), counters.end()));
  CHECK(counter(counters, "decoder.pkts") == 5);
  CHECK(counter(counters, "decoder.tcp") == 4);
  CHECK(counter(counters, "decoder.non_ip") == 1);
  CHECK(counter(counters, "flow.created") == 1);
  CHECK(counter(counters, "flow.shutdown") == 1);
}

TEST_CASE("processor: anomaly events are rate limited per kind, always counted", "[sensors][processor]") {
  ProcessorOptions options;
  options.anomaly_events_per_kind = 3;
  Harness h(nullptr, options);
  Bytes truncated = ether(0x0800, ipv4(kProtoUdp, udp(1, 2, text("abcdef"))));
  truncated.erase(truncated.end() - 3, truncated.end());
  for (int i = 0; i < 5; ++i) h.feed(truncated, seconds(1) + i);
  h.feed(Bytes(8, 0), seconds(2));  // too short for Ethernet
  h.feed(ipv4(kProtoUdp, udp(1, 2)), seconds(3), 147);  // a link type we do not decode

  const auto anomalies = h.sink.of_type(EventType::anomaly);
  REQUIRE(anomalies.size() == 5);
  CHECK(anomalies[0].anomaly->type == "decode");
  CHECK(anomalies[0].anomaly->event == "ipv4.trunc_pkt");
  CHECK(anomalies[0].timestamp == seconds(1));
  CHECK(anomalies[0].sensor == "sensor-a");
  CHECK(anomalies[3].anomaly->event == "ethernet.pkt_too_small");
  CHECK(anomalies[4].anomaly->event == "link.unsupported_type");

  const auto stats = h.processor.stats();
  CHECK(stats.decoder.anomalies.at("ipv4.trunc_pkt") == 5);
  CHECK(stats.anomaly_events == 5);
  CHECK(stats.anomaly_events_suppressed == 2);
  CHECK(stats.flows.created == 0);
  CHECK(counter(h.processor.counters(), "decoder.event.ipv4.trunc_pkt") == 5);
  CHECK(counter(h.processor.counters(), "decoder.event.link.unsupported_type") == 1);
}

TEST_CASE("processor: a finding on a usable packet still reaches the flow table", "[sensors][processor]") {
  Harness h;
  h.feed(ether(0x0800, ipv4(kProtoTcp, tcp(1, 2, kSyn, {}, {0x02, 0x09, 0x05, 0xb4}))), seconds(1));
  CHECK(h.sink.of_type(EventType::anomaly).size() == 1);
  CHECK(h.processor.stats().flows.created == 1);
}

TEST_CASE("processor: a lone fragment waits for reassembly: no flow, no detection", "[sensors][processor]") {
  Harness h;
  Ip4Spec tail;
  tail.frag = 10;
  h.feed(ether(0x0800, ipv4(tail, kProtoUdp, text("fragment tail"))), seconds(1));
  CHECK(h.processor.stats().defrag.active == 1);
  CHECK(h.processor.stats().flows.created == 0);
}

TEST_CASE("processor: alerts carry the rule, the packet's direction and payload", "[sensors][processor][integration]") {
  rules::RuleLoadReport report;
  auto rule_set = rules::compile_rule_text(
      "alert tcp any any -> any any (msg:\"VIGIL test evil reply\"; flow:established,to_client; content:\"evil\"; "
      "classtype:trojan-activity; priority:2; sid:1000001; rev:3;)\n",
      "test.rules", rules::RuleVariables::suricata_defaults(), report);
  REQUIRE(rule_set.has_value());
  REQUIRE(report.loaded == 1);

  Harness h(*rule_set);
  h.feed(c2s(kSyn), seconds(1));
  h.feed(s2c(kSyn | kAck), seconds(1) + 10);
  h.feed(c2s(kAck), seconds(1) + 20);
  h.feed(c2s(kPsh | kAck, "evil request"), seconds(2));  // to_server: the rule wants to_client
  h.feed(s2c(kPsh | kAck, "an evil reply"), seconds(3));
  h.processor.finish();

  const auto alerts = h.sink.of_type(EventType::alert);
  REQUIRE(alerts.size() == 1);
  const Event& a = alerts[0];
  CHECK(a.timestamp == seconds(3));
  CHECK(a.src_ip == ip(kServer));
  CHECK(a.dest_ip == ip(kClient));
  CHECK(a.src_port == 80);
  CHECK(a.dest_port == 51000);
  CHECK(a.proto == kProtoTcp);
  CHECK(a.sensor == "sensor-a");
  CHECK(a.zone == "datacenter");
  CHECK(a.payload == "an evil reply");
  REQUIRE(a.alert.has_value());
  CHECK(a.alert->action == "allowed");
  CHECK(a.alert->signature_id == 1000001);
  CHECK(a.alert->rev == 3);
  CHECK(a.alert->gid == 1);
  CHECK(a.alert->signature == "VIGIL test evil reply");
  CHECK(a.alert->severity == 2);

  const auto flows = h.sink.of_type(EventType::flow);
  REQUIRE(flows.size() == 1);
  CHECK(flows[0].flow_id == a.flow_id);
  CHECK(flows[0].src_ip == ip(kClient));
  CHECK(flows[0].flow->alerted);
  CHECK(h.processor.stats().alerts == 1);
}

TEST_CASE("processor: an app-layer alert names its transaction's sender, not the packet that completed it",
          "[sensors][processor][applayer]") {
  // The server refuses the upload before its body ends (413): the request is delivered while a
  // to_client packet is processed, or at the flow's end on a to_client pseudo packet. Either way
  // the request's alert goes from the client to the server, as Suricata's does.
  rules::RuleLoadReport report;
  auto rule_set = rules::compile_rule_text(
      "alert http any any -> any any (msg:\"upload\"; flow:to_server; http.method; content:\"POST\"; sid:7;)\n"
      "alert http any any -> any any (msg:\"refused\"; flow:to_client; http.stat_code; content:\"413\"; sid:8;)\n",
      "test.rules", rules::RuleVariables::suricata_defaults(), report);
  REQUIRE(rule_set.has_value());
  REQUIRE(report.loaded == 2);
  const auto to_server = [](uint8_t flags, uint32_t seq, uint32_t ack, const std::string& payload = "") {
    return ether(0x0800, ipv4(kProtoTcp, tcp(51000, 80, flags, text(payload), {}, seq, ack), kClient, kServer));
  };
  const auto to_client = [](uint8_t flags, uint32_t seq, uint32_t ack, const std::string& payload = "") {
    return ether(0x0800, ipv4(kProtoTcp, tcp(80, 51000, flags, text(payload), {}, seq, ack), kServer, kClient));
  };
  const std::string request = "POST /upload HTTP/1.1\r\nHost: files.example\r\nContent-Length: 100000\r\n\r\nfirst";
  const std::string reply = "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n";
  Harness h(*rule_set);
  h.feed(to_server(kSyn, 1000, 0), seconds(1));
  h.feed(to_client(kSyn | kAck, 5000, 1001), seconds(1) + 10);
  h.feed(to_server(kAck, 1001, 5001), seconds(1) + 20);
  h.feed(to_server(kPsh | kAck, 1001, 5001, request), seconds(2));
  h.feed(to_client(kPsh | kAck, 5001, 1001 + static_cast<uint32_t>(request.size()), reply), seconds(3));
  h.feed(to_server(kAck, 1001 + static_cast<uint32_t>(request.size()), 5001 + static_cast<uint32_t>(reply.size())),
         seconds(4));
  h.processor.finish();

  const auto alerts = h.sink.of_type(EventType::alert);
  INFO(alerts.size() << " alerts");
  int seen = 0;
  for (const Event& a : alerts) {
    REQUIRE(a.alert.has_value());
    const bool request_side = a.alert->signature_id == 7;
    CHECK(a.src_ip == ip(request_side ? kClient : kServer));
    CHECK(a.dest_ip == ip(request_side ? kServer : kClient));
    CHECK(a.src_port == (request_side ? 51000 : 80));
    CHECK(a.dest_port == (request_side ? 80 : 51000));
    seen |= request_side ? 1 : 2;
  }
  CHECK(seen == 3);  // both rules fired
}
