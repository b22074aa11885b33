// Decodes the shared real-traffic corpus (when it sits beside the checkout): every capture under
// robustness/ and mixed/ must go through the whole packet path without a crash, and the number of
// packets read must equal the manifest's count.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include "vigil/sensors/packet_processor.h"
#include "vigil/sensors/pcap_file_source.h"

using namespace vigil;
using namespace vigil::sensors;

namespace {

class CountingSink : public EventSink {
 public:
  void consume(Event event) override { ++by_type[event.type]; }
  std::map<EventType, uint64_t> by_type;
};

}  // namespace

TEST_CASE("corpus: every robustness and mixed capture decodes, packet counts match", "[sensors][corpus]") {
  const std::filesystem::path root = std::string(VIGIL_SHARED_DIR) + "/corpus/pcaps";
  if (!std::filesystem::exists(root / "manifest.json")) {
    WARN("no corpus at " << root.string() << "; skipped");
    return;
  }
  std::ifstream in(root / "manifest.json");
  const auto manifest = nlohmann::json::parse(in);

  size_t files = 0;
  uint64_t packets = 0;
  uint64_t flows = 0;
  std::map<std::string, uint64_t> anomalies;  // kind -> count, over the whole corpus
  for (const auto& entry : manifest.at("files")) {
    const std::string file = entry.at("file").get<std::string>();
    if (file.rfind("robustness/", 0) != 0 && file.rfind("mixed/", 0) != 0) continue;
    INFO(file);
    const uint64_t expected = std::stoull(entry.at("packets").get<std::string>());

    auto source = PcapFileSource::open((root / file).string());
    REQUIRE(source.has_value());
    CountingSink sink;
    PacketProcessor processor(SensorIdentity{"corpus", "test"}, nullptr, sink);
    RawPacket raw;
    while (true) {
      auto more = source->next(raw);
      if (!more.has_value()) {
        // A capture cut off mid-record: what came before it still counts.
        WARN(more.error().message);
        break;
      }
      if (!*more) break;
      processor.process(source->link_type(), raw);
    }
    processor.finish();
    const auto stats = processor.stats();
    CHECK(source->packets_read() == expected);
    CHECK(stats.packets == expected);
    CHECK(stats.flows.created == stats.flows.ended);
    CHECK(sink.by_type[EventType::flow] == stats.flows.ended);
    for (const auto& [kind, count] : stats.decoder.anomalies) anomalies[kind] += count;
    if (std::getenv("VIGIL_CORPUS_VERBOSE") != nullptr) {
      for (const auto& [kind, count] : stats.decoder.anomalies) std::cerr << file << " " << kind << " " << count << "\n";
    }
    ++files;
    packets += stats.packets;
    flows += stats.flows.created;
  }
  CHECK(files > 500);
  std::string kinds;
  for (const auto& [kind, count] : anomalies) kinds += " " + kind + "=" + std::to_string(count);
  WARN("corpus: " << files << " files, " << packets << " packets, " << flows << " flows; anomalies:" << kinds);
}
