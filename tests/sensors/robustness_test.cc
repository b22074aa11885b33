// Every capture of the shared robustness corpus (fuzzer output, malformed packets) replays through
// the whole packet path with the default rules: no crash, every packet counted, malformed input
// counted as anomalies by kind, every flow ended once. Run twice: with default limits and with
// tiny ones, so the eviction paths of the flow table and the defragmenter run too.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sensors/frames.h"
#include "vigil/sensors/packet_processor.h"
#include "vigil/sensors/pcap_file_source.h"

using namespace vigil;
using namespace vigil::sensors;
using namespace vigil::sensors::test;

namespace {

std::vector<std::filesystem::path> robustness_captures() {
  std::vector<std::filesystem::path> files;
  const std::filesystem::path root = std::string(VIGIL_SHARED_DIR) + "/corpus/pcaps/robustness";
  if (!std::filesystem::exists(root)) return files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".pcap" || ext == ".pcapng")) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::shared_ptr<const rules::RuleSet> default_rules() {
  rules::RuleLoadReport report;
  auto loaded = rules::load_rule_set({std::string(VIGIL_SOURCE_DIR) + "/config/rules"},
                                     rules::RuleVariables::suricata_defaults(), report);
  REQUIRE(loaded.has_value());
  return *loaded;
}

uint64_t anomaly_total(const SensorStats& stats) {
  uint64_t total = 0;
  for (const auto& [kind, count] : stats.decoder.anomalies) total += count;
  return total;
}

}  // namespace

TEST_CASE("robustness: every malformed capture replays without a crash, anomalies counted",
          "[sensors][corpus][robustness]") {
  const auto files = robustness_captures();
  if (files.empty()) {
    WARN("no robustness corpus beside the checkout; skipped");
    return;
  }
  const auto rules = default_rules();

  ProcessorOptions tight;
  tight.flows.max_flows = 16;
  tight.defrag.memory_cap = 2048;
  tight.defrag.max_fragments = 4;
  tight.anomaly_events_per_kind = 2;
  tight.stats_interval = seconds(1);
  const std::vector<std::pair<std::string, ProcessorOptions>> limits = {{"default limits", ProcessorOptions{}},
                                                                        {"tiny limits", tight}};
  for (const auto& [label, options] : limits) {
    uint64_t anomalies = 0;
    std::map<std::string, uint64_t> kinds;
    for (const auto& path : files) {
      INFO(label << ": " << path.string());
      auto source = PcapFileSource::open(path.string());
      REQUIRE(source.has_value());
      FakeEventSink sink;
      PacketProcessor processor({"robust", "lab"}, rules, sink, options);
      RawPacket raw;
      while (true) {
        auto more = source->next(raw);
        if (!more.has_value() || !*more) break;  // a capture cut off mid-record ends there
        processor.process(source->link_type(), raw);
      }
      processor.finish();
      const SensorStats stats = processor.stats();
      CHECK(stats.packets == source->packets_read());
      CHECK(stats.flows.created == stats.flows.ended);
      CHECK(sink.of_type(EventType::flow).size() == stats.flows.ended);
      // Anomaly events are a capped sample of what was counted, never more.
      CHECK(sink.of_type(EventType::anomaly).size() == stats.anomaly_events);
      CHECK(stats.anomaly_events <= anomaly_total(stats));
      for (const auto& event : sink.of_type(EventType::anomaly)) {
        CHECK(stats.decoder.anomalies.count(event.anomaly->event) == 1);
      }
      for (const auto& event : sink.events) CHECK(event.sensor == "robust");
      anomalies += anomaly_total(stats);
      for (const auto& [kind, count] : stats.decoder.anomalies) kinds[kind] += count;
    }
    INFO(label);
    CHECK(anomalies > 0);
    CHECK(kinds.size() >= 3);  // several different kinds of damage, each counted by name
  }
}
