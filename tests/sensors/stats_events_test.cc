// Periodic `stats` events on packet time (replay): when they come, what they carry (the sensor's
// counters: packets, bytes, drops, anomalies by kind, flows, evictions) and how they read as EVE.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sensors/frames.h"
#include "vigil/core/eve_json.h"
#include "vigil/sensors/packet_processor.h"
#include "vigil/sensors/worker_pool.h"

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

namespace {

// Hosts sending UDP and TCP over five minutes of packet time, with truncated frames: flows start
// and time out, anomalies and alerts (one thresholded) come and go across workers.
std::vector<TimedFrame> busy_traffic() {
  std::vector<TimedFrame> frames;
  Timestamp t = seconds(100);
  for (int i = 0; i < 300; ++i) {
    const std::string host = "192.168.1." + std::to_string(i % 23 + 1);
    const auto port = static_cast<uint16_t>(1000 + i % 7);
    frames.push_back({t, ether(0x0800, ipv4(kProtoUdp, udp(port, 53, text(i % 5 == 0 ? "evil q" : "q")), host,
                                            "10.0.0." + std::to_string(i % 3 + 1)))});
    if (i % 11 == 0) frames.push_back({t, ether(0x0800, Bytes{0x45, 0x00})});
    t += i % 50 == 0 ? seconds(40) : seconds(1);
  }
  return frames;
}

using StatsLines = std::vector<std::pair<Timestamp, std::map<std::string, uint64_t>>>;

StatsLines stats_lines(const std::vector<Event>& events) {
  StatsLines out;
  for (const Event& e : events) {
    if (e.type != EventType::stats) continue;
    auto counters = counters_of(e);
    CHECK(e.sensor == "s");
    CHECK(e.zone == "z");
    // The sum of the workers' peaks is not the peak of the sum: the one field that is per worker.
    counters.erase("stream.memory_peak");
    out.emplace_back(e.timestamp, std::move(counters));
  }
  return out;
}

}  // namespace

TEST_CASE("stats: a worker pool emits the stats events of one processor, for any number of workers",
          "[sensors][stats][workers]") {
  rules::RuleLoadReport report;
  auto rule_set = rules::compile_rule_text(
      "alert udp any any -> any 53 (msg:\"evil\"; content:\"evil\"; sid:1;)\n"
      "alert udp any any -> any 53 (msg:\"evil limited\"; content:\"evil\"; threshold:type limit, track by_dst, "
      "count 1, seconds 60; sid:2;)\n",
      "test.rules", rules::RuleVariables::suricata_defaults(), report);
  REQUIRE(rule_set.has_value());
  ProcessorOptions options;
  options.stats_interval = seconds(10);

  FakeEventSink single_sink;
  {
    PacketProcessor processor({"s", "z"}, *rule_set, single_sink, options);
    for (const auto& frame : busy_traffic()) processor.process(kLinkEthernet, raw_of(frame.data, frame.ts));
    processor.finish();
  }
  const StatsLines expected = stats_lines(single_sink.events);
  REQUIRE(expected.size() > 10);
  CHECK(expected.back().second.at("detect.alert") > 0);
  CHECK(expected.back().second.at("flow.timeout") > 0);
  CHECK(expected.back().second.at("anomaly.events_suppressed") > 0);

  for (const size_t workers : {size_t{1}, size_t{2}, size_t{3}}) {
    FakeEventSink sink;
    WorkerPoolOptions pool_options;
    pool_options.workers = workers;
    pool_options.batch_frames = 16;
    {
      WorkerPool pool({"s", "z"}, *rule_set, sink, options, pool_options);
      for (const auto& frame : busy_traffic()) pool.submit(kLinkEthernet, raw_of(frame.data, frame.ts));
      pool.finish();
    }
    INFO(workers << " workers");
    CHECK(stats_lines(sink.events) == expected);
  }
}

TEST_CASE("stats: a worker pool's emit_stats() sums its workers, with the capture's drops", "[sensors][stats][workers]") {
  FakeEventSink sink;
  WorkerPoolOptions pool_options;
  pool_options.workers = 2;
  WorkerPool pool({"s", "z"}, nullptr, sink, ProcessorOptions{}, pool_options);
  for (const auto& frame : busy_traffic()) pool.submit(kLinkEthernet, raw_of(frame.data, frame.ts));
  pool.set_capture_drops(CaptureDrops{7, 1, 0});
  pool.emit_stats(seconds(5000));
  const auto stats = sink.of_type(EventType::stats);
  REQUIRE(stats.size() == 1);
  CHECK(stats[0].timestamp == seconds(5000));
  const auto counters = counters_of(stats[0]);
  CHECK(counters.at("decoder.pkts") == busy_traffic().size());
  CHECK(counters.at("capture.kernel_drops") == 7);
  CHECK(counters.at("capture.interface_drops") == 1);
  pool.finish();
}
