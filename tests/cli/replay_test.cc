// `vigil replay` end to end on the bundled sample and on broken inputs.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "run_command.h"

using nlohmann::json;
using vigil::test::read_file;
using vigil::test::run_vigil;
using vigil::test::split_lines;
using vigil::test::TempDir;
using vigil::test::write_file;

namespace {

const std::string kSample = VIGIL_SOURCE_DIR "/samples/sample.pcap";
const std::string kGolden = VIGIL_TEST_DATA "/golden/sample.eve.jsonl";

std::vector<json> parse_lines(const std::string& text) {
  std::vector<json> out;
  for (const auto& line : split_lines(text)) out.push_back(json::parse(line));
  return out;
}

std::map<uint32_t, int> count_by_sid(const std::vector<json>& alerts) {
  std::map<uint32_t, int> counts;
  for (const auto& a : alerts) ++counts[a["alert"]["signature_id"].get<uint32_t>()];
  return counts;
}

}  // namespace

TEST_CASE("replay --eve - prints only EVE alert lines on stdout, identical to the reviewed golden file",
          "[cli][replay][integration]") {
  const auto r = run_vigil({"replay", "--eve", "-", "--no-store", kSample});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto alerts = parse_lines(r.out);  // throws, failing the test, on any non-JSON line
  REQUIRE_FALSE(alerts.empty());
  for (const auto& a : alerts) {
    CHECK(a["event_type"] == "alert");
    CHECK(a.contains("timestamp"));
    CHECK(a.contains("flow_id"));
    CHECK(a["alert"].contains("signature_id"));
  }
  // Alert counts as samples/check_rules_cover.py (an independent model of the rules) predicts them.
  const std::map<uint32_t, int> expected{{9000001, 1}, {9000002, 3}, {9000003, 1}, {9000004, 2}, {9000005, 5},
                                         {9000010, 1}, {9000011, 1}, {9000012, 2}, {9000013, 2}, {9000014, 2},
                                         {9000015, 1}, {9000016, 1}, {9000017, 1}, {9000020, 3}, {9000021, 2},
                                         {9000022, 1}, {9000030, 20}, {9000031, 20}};
  CHECK(count_by_sid(alerts) == expected);
  CHECK(r.out == read_file(kGolden));
  // The summary went to stderr.
  CHECK(r.err.find("Alerts by signature") != std::string::npos);
}

TEST_CASE("replay is reproducible: the same capture gives the same events", "[cli][replay][integration]") {
  const auto first = run_vigil({"replay", "--eve", "-", "--eve-types", "alert,flow", "--no-store", kSample});
  const auto second = run_vigil({"replay", "--eve", "-", "--eve-types", "alert,flow", "--no-store", kSample});
  REQUIRE(first.exit_code == 0);
  CHECK(first.out == second.out);
}

TEST_CASE("replay stores alerts that alerts list reads back", "[cli][replay][storage][integration]") {
  TempDir dir;
  const auto eve = run_vigil({"replay", "--eve", "-", "--no-store", kSample});
  REQUIRE(eve.exit_code == 0);
  const auto expected = parse_lines(eve.out);

  const auto replay = run_vigil({"replay", "--data-dir", dir.path(), kSample});
  INFO(replay.err);
  REQUIRE(replay.exit_code == 0);
  CHECK(replay.out.find("Stored ") != std::string::npos);

  const auto listed = run_vigil({"alerts", "list", "--data-dir", dir.path(), "--json", "--limit", "100000"});
  INFO(listed.err);
  REQUIRE(listed.exit_code == 0);
  const auto stored = parse_lines(listed.out);
  REQUIRE(stored.size() == expected.size());
  CHECK(count_by_sid(stored) == count_by_sid(expected));
  // Newest first.
  for (size_t i = 1; i < stored.size(); ++i) CHECK(stored[i - 1]["timestamp"] >= stored[i]["timestamp"]);

  const auto table = run_vigil({"alerts", "list", "--data-dir", dir.path(), "--limit", "5"});
  REQUIRE(table.exit_code == 0);
  CHECK(split_lines(table.out).size() == 6);  // header + 5 rows
  CHECK(table.out.find("SIGNATURE") != std::string::npos);
}

TEST_CASE("the SSH brute force in the sample becomes one incident", "[cli][replay][correlation][integration]") {
  TempDir dir;
  const auto replay = run_vigil({"replay", "--data-dir", dir.path(), kSample});
  REQUIRE(replay.exit_code == 0);
  const auto listed = run_vigil({"incidents", "list", "--data-dir", dir.path(), "--json"});
  REQUIRE(listed.exit_code == 0);
  std::vector<json> ssh;
  for (const auto& incident : parse_lines(listed.out)) {
    if (incident["rule_id"] == "ssh-bruteforce") ssh.push_back(incident);
  }
  REQUIRE(ssh.size() == 1);
  const json& inc = ssh[0];
  CHECK(inc["state"] == "new");
  CHECK(inc["layer"] == 1);
  CHECK(inc["severity"] == "high");
  CHECK(inc["title"].get<std::string>().find("198.51.100.23") != std::string::npos);
  CHECK(inc["group_key"].get<std::string>().find("198.51.100.23") != std::string::npos);
  CHECK(inc["event_count"].get<int>() >= 10);
  CHECK(inc["event_count"].get<int>() <= 30);  // the sample has 30 SSH connections from the attacker
  CHECK(inc["id"].get<std::string>().rfind("INC-", 0) == 0);
}

TEST_CASE("a second replay into the same data dir adds to open incidents instead of duplicating",
          "[cli][replay][correlation][integration]") {
  TempDir dir;
  REQUIRE(run_vigil({"replay", "--data-dir", dir.path(), kSample}).exit_code == 0);
  const auto once = parse_lines(run_vigil({"incidents", "list", "--data-dir", dir.path(), "--json"}).out);
  const auto alerts_once = parse_lines(run_vigil({"alerts", "list", "--data-dir", dir.path(), "--json", "--limit", "100000"}).out);
  REQUIRE(run_vigil({"replay", "--data-dir", dir.path(), kSample}).exit_code == 0);
  const auto twice = parse_lines(run_vigil({"incidents", "list", "--data-dir", dir.path(), "--json"}).out);
  const auto alerts_twice = parse_lines(run_vigil({"alerts", "list", "--data-dir", dir.path(), "--json", "--limit", "100000"}).out);
  CHECK(alerts_twice.size() == 2 * alerts_once.size());  // nothing overwritten
  // Every incident of the first replay is still there, and no rule has two open incidents for one
  // group: the second pass added to them. (Correlation windows are restored from the data dir, so
  // a signature at 3 hits per pass may cross a threshold of 5 on the second pass: one new incident
  // is right then, a duplicate never is.)
  std::set<std::string> ids_twice;
  std::set<std::pair<std::string, std::string>> groups;
  for (const auto& incident : twice) {
    ids_twice.insert(incident["id"].get<std::string>());
    CHECK(groups.emplace(incident["rule_id"].get<std::string>(), incident["group_key"].get<std::string>()).second);
  }
  for (const auto& incident : once) CHECK(ids_twice.count(incident["id"].get<std::string>()) == 1);
  auto ssh_events = [](const std::vector<json>& incidents) {
    for (const auto& incident : incidents) {
      if (incident["rule_id"] == "ssh-bruteforce") return incident["event_count"].get<int>();
    }
    return 0;
  };
  CHECK(ssh_events(once) > 0);
  CHECK(ssh_events(twice) > ssh_events(once));
}

TEST_CASE("a truncated capture is reported with its name, what came before is still analysed",
          "[cli][replay][badinput]") {
  TempDir dir;
  const std::string whole = read_file(kSample);
  const std::string cut = dir.file("cut.pcap");
  write_file(cut, whole.substr(0, whole.size() / 2 + 7));  // ends inside a packet
  const auto r = run_vigil({"replay", "--no-store", cut});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("cut.pcap") != std::string::npos);
  CHECK(r.err.find("truncated") != std::string::npos);
  CHECK(r.out.find("Read 1 capture") != std::string::npos);
}

TEST_CASE("a file that is not a capture is a clear error naming it", "[cli][replay][badinput]") {
  TempDir dir;
  const std::string text = dir.file("notes.txt");
  write_file(text, "this is not a capture file\n");
  const auto r = run_vigil({"replay", "--no-store", text});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("notes.txt") != std::string::npos);

  const auto empty = dir.file("empty.pcap");
  write_file(empty, "");
  const auto e = run_vigil({"replay", "--no-store", empty});
  CHECK(e.exit_code == 1);
  CHECK(e.err.find("empty.pcap") != std::string::npos);

  const auto missing = run_vigil({"replay", "--no-store", dir.file("missing.pcap")});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("missing.pcap") != std::string::npos);
}

TEST_CASE("a rule file with a broken rule loads the others and names the broken one with its line",
          "[cli][replay][rules][badinput]") {
  TempDir dir;
  const std::string rules = dir.file("mixed.rules");
  write_file(rules,
             "# local rules\n"
             "alert tcp any any -> any any (msg:\"broken\"; content:\"x\"; sid:1; rev:1\n"
             "alert tcp any any -> any 22 (msg:\"SSH banner\"; content:\"SSH-2.0-\"; sid:2; rev:1;)\n"
             "alert tcp any any -> any any (msg:\"unknown keyword\"; frobnicate:3; sid:3; rev:1;)\n");
  const auto r = run_vigil({"replay", "--rules", rules, "--eve", "-", "--no-store", kSample});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("mixed.rules:2") != std::string::npos);
  CHECK(r.err.find("mixed.rules:4") != std::string::npos);
  CHECK(r.err.find("frobnicate") != std::string::npos);
  const auto alerts = parse_lines(r.out);
  REQUIRE_FALSE(alerts.empty());
  for (const auto& a : alerts) CHECK(a["alert"]["signature_id"] == 2);
}

TEST_CASE("a missing rules file stops replay before it starts", "[cli][replay][badinput]") {
  const auto r = run_vigil({"replay", "--rules", "/nonexistent/x.rules", "--no-store", kSample});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("/nonexistent/x.rules") != std::string::npos);
}

TEST_CASE("reading a data dir that does not exist is a clear error", "[cli][badinput]") {
  TempDir dir;
  const auto r = run_vigil({"alerts", "list", "--data-dir", dir.file("nope")});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("nope") != std::string::npos);
  const auto i = run_vigil({"incidents", "list", "--data-dir", dir.file("nope")});
  CHECK(i.exit_code == 2);
}
