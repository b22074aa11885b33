// `vigil replay --workers N`: the events do not depend on how many workers share the flows.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "run_command.h"

using vigil::test::read_file;
using vigil::test::run_vigil;
using vigil::test::TempDir;

namespace {

const std::string kSample = VIGIL_SOURCE_DIR "/samples/sample.pcap";

// Replays `pcaps` with N workers and returns the EVE output (alerts, flows, anomalies).
std::string replay_eve(const std::vector<std::string>& rules, const std::vector<std::string>& pcaps, int workers,
                       int* exit_code = nullptr) {
  TempDir dir;
  const std::string eve = dir.file("eve.json");
  std::vector<std::string> args{"replay", "--no-store", "--eve", eve, "--eve-types", "alert,flow,anomaly",
                                "--workers", std::to_string(workers)};
  for (const auto& r : rules) {
    args.push_back("--rules");
    args.push_back(r);
  }
  args.push_back("--");
  args.insert(args.end(), pcaps.begin(), pcaps.end());
  const auto r = run_vigil(args);
  if (exit_code != nullptr) *exit_code = r.exit_code;
  return read_file(eve);
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("replay --workers must be at least 1", "[cli][replay][workers]") {
  const auto r = run_vigil({"replay", "--no-store", "--workers", "0", kSample});
  CHECK(r.exit_code == 2);  // bad usage
  CHECK(r.err.find("--workers") != std::string::npos);
}

TEST_CASE("replay gives the same events with 1, 2 and 4 workers on the sample", "[cli][replay][workers][integration]") {
  int code = -1;
  const std::string one = replay_eve({}, {kSample}, 1, &code);
  REQUIRE(code == 0);
  REQUIRE(count(one, "\"event_type\":\"alert\"") > 0);
  REQUIRE(count(one, "\"event_type\":\"flow\"") > 0);
  CHECK(replay_eve({}, {kSample}, 2) == one);
  CHECK(replay_eve({}, {kSample}, 4) == one);
}

TEST_CASE("replay gives the same events with 1 and 2 workers on every shared capture",
          "[cli][replay][workers][corpus][integration]") {
  const std::filesystem::path root = std::string(VIGIL_SHARED_DIR) + "/corpus";
  if (!std::filesystem::exists(root / "pcaps")) {
    WARN("no corpus at " << root.string() << "; skipped");
    return;
  }
  std::vector<std::string> pcaps;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root / "pcaps")) {
    const std::string ext = entry.path().extension().string();
    if (entry.is_regular_file() && (ext == ".pcap" || ext == ".pcapng" || ext == ".cap")) {
      pcaps.push_back(entry.path().string());
    }
  }
  std::sort(pcaps.begin(), pcaps.end());
  REQUIRE(pcaps.size() > 500);
  // ET Open where it is (thresholds, flowbits, IP-only rules across flows); the bundled defaults too.
  std::vector<std::string> rules{VIGIL_SOURCE_DIR "/config/rules"};
  if (std::filesystem::exists(root / "rules/et-open")) rules.push_back((root / "rules/et-open").string());
  const std::string one = replay_eve(rules, pcaps, 1);
  const std::string two = replay_eve(rules, pcaps, 2);
  CHECK(count(one, "\"event_type\":\"alert\"") > 100);
  CHECK(count(one, "\"event_type\":\"flow\"") > 5000);
  CHECK(two == one);  // byte for byte: same events, same order, same incident ids
}

TEST_CASE("replay emits stats events on packet time, the same for 1, 2 and 4 workers",
          "[cli][replay][workers][stats][integration]") {
  auto stats_lines = [](int workers) {
    TempDir dir;
    const std::string eve = dir.file("eve.json");
    const auto r = run_vigil({"replay", "--no-store", "--eve", eve, "--eve-types", "stats", "--stats-interval", "10",
                              "--workers", std::to_string(workers), "--", kSample});
    REQUIRE(r.exit_code == 0);
    std::vector<nlohmann::json> out;
    for (const auto& line : vigil::test::split_lines(read_file(eve))) {
      auto event = nlohmann::json::parse(line);
      CHECK(event["event_type"] == "stats");
      CHECK(event["sensor"] == "replay");
      // The one field that is per worker by nature: the sum of the workers' stream memory peaks.
      event["stats"]["stream"].erase("memory_peak");
      out.push_back(std::move(event));
    }
    return out;
  };
  const auto one = stats_lines(1);
  REQUIRE(one.size() > 3);
  CHECK(one.back()["stats"]["decoder"]["pkts"].get<uint64_t>() > 0);
  CHECK(one.back()["stats"]["flow"]["created"].get<uint64_t>() > 0);
  CHECK(stats_lines(2) == one);
  CHECK(stats_lines(4) == one);
}
