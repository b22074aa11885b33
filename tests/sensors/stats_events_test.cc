// Periodic `stats` events on packet time (replay): when they come, what they carry (the sensor's
// counters: packets, bytes, drops, anomalies by kind, flows, evictions) and how they read as EVE.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "sensors/frames.h"
#include "vigil/core/eve_json.h"
#include "vigil/sensors/packet_processor.h"

using namespace vigil;
using namespace vigil::sensors;
using namespace vigil::sensors::test;

namespace {

Bytes udp_frame(uint16_t sport) { return ether(0x0800, ipv4(kProtoUdp, udp(sport, 53, text("q")))); }

std::map<std::string, uint64_t> counters_of(const Event& event) {
  return {event.stats->counters.begin(), event.stats->counters.end()};
}

}  // namespace

TEST_CASE("stats: events on packet time carry the sensor's counters", "[sensors][stats]") {
  FakeEventSink sink;
  ProcessorOptions options;
  options.stats_interval = seconds(10);
  PacketProcessor processor({"dc-core-1", "datacenter"}, nullptr, sink, options);

  processor.process(kLinkEthernet, raw_of(udp_frame(1000), seconds(100)));  // starts the clock
  processor.process(kLinkEthernet, raw_of(udp_frame(1001), seconds(105)));
  const Bytes truncated = ether(0x0800, Bytes{0x45, 0x00});
  processor.process(kLinkEthernet, raw_of(truncated, seconds(108)));
  CHECK(sink.of_type(EventType::stats).empty());
  processor.set_capture_drops(CaptureDrops{7, 1, 3});
  processor.process(kLinkEthernet, raw_of(udp_frame(1002), seconds(110)));  // 10 s on: a stats event first
  processor.process(kLinkEthernet, raw_of(udp_frame(1003), seconds(111)));
  processor.process(kLinkEthernet, raw_of(udp_frame(1004), seconds(300)));  // after a long gap: one event

  const auto stats = sink.of_type(EventType::stats);
  REQUIRE(stats.size() == 2);
  CHECK(stats[0].timestamp == seconds(110));
  CHECK(stats[1].timestamp == seconds(300));
  CHECK(stats[0].sensor == "dc-core-1");
  CHECK(stats[0].zone == "datacenter");
  const auto first = counters_of(stats[0]);
  CHECK(first.at("decoder.pkts") == 3);  // counted before the packet that made it due
  CHECK(first.at("decoder.bytes") > 0);
  CHECK(first.at("decoder.event.ipv4.pkt_too_small") == 1);
  CHECK(first.at("flow.created") == 2);
  CHECK(first.at("flow.evicted") == 0);
  CHECK(first.at("defrag.evicted") == 0);
  CHECK(first.at("capture.kernel_drops") == 7);
  CHECK(first.at("capture.interface_drops") == 1);
  CHECK(first.at("capture.queue_drops") == 3);
  CHECK(counters_of(stats[1]).at("decoder.pkts") == 5);

  // EVE: Suricata's nested stats record.
  const auto eve = nlohmann::json::parse(to_eve_json(stats[0]));
  CHECK(eve.at("event_type") == "stats");
  CHECK(eve.at("sensor") == "dc-core-1");
  CHECK(eve.at("stats").at("decoder").at("pkts") == 3);
  CHECK(eve.at("stats").at("capture").at("kernel_drops") == 7);
  CHECK(eve.at("stats").at("decoder").at("event").at("ipv4").at("pkt_too_small") == 1);
}

TEST_CASE("stats: off by default, emit_stats() on demand", "[sensors][stats]") {
  FakeEventSink sink;
  PacketProcessor processor({"s", "z"}, nullptr, sink);
  for (int i = 0; i < 5; ++i) processor.process(kLinkEthernet, raw_of(udp_frame(1000), seconds(100 * i)));
  CHECK(sink.of_type(EventType::stats).empty());
  processor.emit_stats(seconds(1000));
  const auto stats = sink.of_type(EventType::stats);
  REQUIRE(stats.size() == 1);
  CHECK(counters_of(stats[0]).at("decoder.pkts") == 5);
}
