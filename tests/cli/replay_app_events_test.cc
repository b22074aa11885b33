// `vigil replay --app-events` end to end on the bundled sample: the app layer's records come out
// as EVE lines of their own type, the summary counts them, they are stored, and a correlation
// rule reads their fields ("dns.rrname") like any other event's.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "run_command.h"

using nlohmann::json;
using vigil::test::run_vigil;
using vigil::test::split_lines;
using vigil::test::TempDir;
using vigil::test::write_file;

namespace {

const std::string kSample = VIGIL_SOURCE_DIR "/samples/sample.pcap";

std::map<std::string, int> count_by_type(const std::string& eve) {
  std::map<std::string, int> counts;
  for (const auto& line : split_lines(eve)) ++counts[json::parse(line)["event_type"].get<std::string>()];
  return counts;
}

// 10.20.1.61 is the one client of the sample that looks up 8 distinct names (tshark).
const char* const kManyNamesRule =
    "id: many-names\n"
    "title: \"{src_ip} looked up many names\"\n"
    "type: value_count\n"
    "match:\n"
    "  event_type: dns\n"
    "  dns.type: query\n"
    "group_by: [src_ip]\n"
    "timespan: 1d\n"
    "condition:\n"
    "  field: dns.rrname\n"
    "  gte: 8\n"
    "severity: low\n"
    "category: other\n";

}  // namespace

TEST_CASE("replay --app-events writes a record per DNS message and per TLS, HTTP, SSH transaction",
          "[cli][replay][applayer][integration]") {
  const auto r = run_vigil({"replay", "--app-events", "http,dns,tls,ssh", "--eve", "-", "--eve-types",
                            "http,dns,tls,ssh", "--no-store", kSample});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto counts = count_by_type(r.out);
  // tshark on the sample: 538 DNS messages (269 queries, each answered), HTTP and TLS and SSH sessions.
  CHECK(counts.at("dns") == 538);
  CHECK(counts.at("http") > 0);
  CHECK(counts.at("tls") > 0);
  CHECK(counts.at("ssh") > 0);
  CHECK(counts.size() == 4);  // no alerts: --eve-types left them out

  std::set<std::string> names;
  int queries = 0;
  for (const auto& line : split_lines(r.out)) {
    const json e = json::parse(line);
    const std::string type = e["event_type"];
    REQUIRE(e.contains(type));  // the record's object sits under its type
    CHECK_FALSE(e.contains("payload"));
    CHECK(e.contains("flow_id"));
    if (type == "dns" && e["dns"]["type"] == "query") {
      ++queries;
      names.insert(e["dns"]["rrname"].get<std::string>());
    }
    if (type == "http") CHECK(e["http"].contains("url"));
  }
  CHECK(queries == 269);
  CHECK(names.count("portal.tinhxyz.gov.vn") == 1);
  CHECK(names.count("www.example.com") == 1);

  // The summary counts them by type.
  CHECK(r.err.find("app-layer records (http " + std::to_string(counts.at("http")) + ", dns 538, tls " +
                   std::to_string(counts.at("tls")) + ", ssh " + std::to_string(counts.at("ssh")) + ")") !=
        std::string::npos);
}

TEST_CASE("replay without --app-events writes no records and its output is unchanged",
          "[cli][replay][applayer][integration]") {
  const auto r = run_vigil({"replay", "--eve", "-", "--eve-types", "alert,flow,dns,http", "--no-store", kSample});
  REQUIRE(r.exit_code == 0);
  const auto counts = count_by_type(r.out);
  CHECK(counts.count("dns") == 0);
  CHECK(counts.count("http") == 0);
  CHECK(r.err.find("app-layer records") == std::string::npos);
}

TEST_CASE("replay --app-events with an unknown protocol is a usage error naming it", "[cli][replay][badinput]") {
  const auto r = run_vigil({"replay", "--app-events", "dns,smb", "--no-store", kSample});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--app-events") != std::string::npos);
  CHECK(r.err.find("'smb'") != std::string::npos);
}

TEST_CASE("DNS records are stored and a correlation rule over dns.rrname opens an incident",
          "[cli][replay][applayer][correlation][integration]") {
  TempDir dir;
  const std::string rules_dir = dir.path() + "/correlation";
  std::filesystem::create_directories(rules_dir);
  write_file(rules_dir + "/many-names.yml", kManyNamesRule);
  const auto replay = run_vigil({"replay", "--app-events", "dns", "--correlation", rules_dir, "--data-dir",
                                 dir.path() + "/data", kSample});
  INFO(replay.err);
  REQUIRE(replay.exit_code == 0);
  const auto listed = run_vigil({"incidents", "list", "--data-dir", dir.path() + "/data", "--json"});
  INFO(listed.err);
  REQUIRE(listed.exit_code == 0);
  const auto lines = split_lines(listed.out);
  REQUIRE(lines.size() == 1);
  const json incident = json::parse(lines[0]);
  CHECK(incident["rule_id"] == "many-names");
  CHECK(incident["title"] == "10.20.1.61 looked up many names");
  CHECK(incident["event_count"].get<int>() >= 8);
}

TEST_CASE("correlation test --app-events tries a rule over DNS records of a capture",
          "[cli][correlation][applayer][integration]") {
  TempDir dir;
  const std::string rule = dir.path() + "/many-names.yml";
  write_file(rule, kManyNamesRule);
  const auto with = run_vigil({"correlation", "test", "--rules", rule, "--app-events", "dns", "--pcap", kSample, "--json"});
  INFO(with.err);
  REQUIRE(with.exit_code == 0);
  const auto lines = split_lines(with.out);
  REQUIRE(lines.size() == 1);
  CHECK(json::parse(lines[0])["title"] == "10.20.1.61 looked up many names");
  // Without the records the rule has nothing to count.
  const auto without = run_vigil({"correlation", "test", "--rules", rule, "--pcap", kSample, "--json"});
  REQUIRE(without.exit_code == 0);
  CHECK(without.out.empty());
}
