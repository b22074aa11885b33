// Correlation rules from the CLI: `vigil correlation list` against a real vigild on a data dir filled by
// `vigil replay` of the bundled sample (as an admin, a responder, and a liaison who may not), and
// `vigil correlation test` offline: over the sample capture it raises exactly the incidents `vigil replay`
// stored with the same rules, over EVE lines the same, and a broken rules file is refused with its line.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "daemon_harness.h"
#include "run_command.h"
#include "vigil/core/time.h"

using nlohmann::json;
using vigil::test::ControlClient;
using vigil::test::DaemonProcess;

namespace {

constexpr uid_t kResponderUid = 65532;
constexpr uid_t kLiaisonUid = 65533;

struct CorrelationFixture {
  CorrelationFixture() {
    std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));
    const auto replay = vigil::test::run_vigil({"replay", "--data-dir", dir.file("data"), "--rules",
                                                VIGIL_SOURCE_DIR "/config/rules", "--correlation",
                                                VIGIL_SOURCE_DIR "/config/correlation",
                                                VIGIL_SOURCE_DIR "/samples/sample.pcap"});
    INFO(replay.err);
    REQUIRE(replay.exit_code == 0);
    vigil::test::write_file(dir.file("vigil.yaml"),
                            "data_dir: data\n"
                            "rules: {paths: [" VIGIL_SOURCE_DIR "/config/rules]}\n"
                            "correlation: {paths: [" VIGIL_SOURCE_DIR "/config/correlation]}\n"
                            "control:\n"
                            "  socket: control.sock\n"
                            "  socket_mode: 0666\n"
                            "  roles:\n"
                            "    - {uid: " + std::to_string(::geteuid()) + ", role: admin}\n"
                            "    - {uid: " + std::to_string(kResponderUid) + ", role: responder}\n"
                            "    - {uid: " + std::to_string(kLiaisonUid) + ", role: liaison}\n");
  }
  std::string socket() const { return dir.file("control.sock"); }
  vigil::test::TempDir dir;
};

// What identifies an incident across runs: its rule, group, severity and how many events it gathered.
using IncidentKey = std::tuple<std::string, std::string, std::string, uint64_t>;

std::multiset<IncidentKey> keys_of(const std::vector<json>& incidents) {
  std::multiset<IncidentKey> out;
  for (const auto& incident : incidents) {
    const std::string rule = incident.contains("rule") ? incident["rule"] : incident["rule_id"];
    out.insert({rule, incident["group_key"], incident["severity"], incident["event_count"].get<uint64_t>()});
  }
  return out;
}

std::vector<json> json_lines(const std::string& text) {
  std::vector<json> out;
  for (const auto& line : vigil::test::split_lines(text)) out.push_back(json::parse(line));
  return out;
}

}  // namespace

TEST_CASE("vigil correlation list shows the rules vigild loaded, with the incidents each raised",
          "[daemon][correlation][integration]") {
  CorrelationFixture f;
  DaemonProcess daemon(f.dir.file("vigil.yaml"), f.socket(), f.dir.file("vigild.log"));
  INFO(vigil::test::read_file(f.dir.file("vigild.log")));
  REQUIRE(daemon.started());
  ControlClient client(f.socket());

  const auto listed = vigil::test::run_vigil({"correlation", "list", "--json", "--socket", f.socket()});
  INFO(listed.out << listed.err);
  REQUIRE(listed.exit_code == 0);
  const auto rules = json_lines(listed.out);
  // Every rule file of config/correlation, one rule each.
  std::set<std::string> files, ids;
  for (const auto& entry : std::filesystem::directory_iterator(VIGIL_SOURCE_DIR "/config/correlation")) {
    files.insert(entry.path().stem().string());
  }
  json ssh;
  for (const auto& rule : rules) {
    ids.insert(rule["id"]);
    if (rule["id"] == "ssh-bruteforce") ssh = rule;
  }
  CHECK(ids == files);
  CHECK(rules.size() == client.call("status")["result"]["correlation"]["loaded"].get<size_t>());
  REQUIRE(ssh.is_object());
  CHECK(ssh["type"] == "event_count");
  CHECK(ssh["timespan"] == "2m");
  CHECK(ssh["condition"] == "gte 10");
  CHECK(ssh["threshold"] == 10);
  CHECK(ssh["severity"] == "high");
  CHECK(ssh["enabled"] == true);
  CHECK(ssh["incidents_raised"] == 0);  // nothing since this vigild started
  // Stored incidents per rule: what the replay raised.
  std::map<std::string, uint64_t> stored;
  const json all = client.call("incidents.list", {{"limit", 1000}});
  INFO(all.dump().substr(0, 300));
  for (const auto& incident : all["result"]["incidents"]) {
    ++stored[incident["rule_id"].get<std::string>()];
  }
  for (const auto& rule : rules) CHECK(rule["incidents_stored"] == stored[rule["id"].get<std::string>()]);
  CHECK(stored["ssh-bruteforce"] == 1);

  const auto table = vigil::test::run_vigil({"correlation", "list", "--socket", f.socket()});
  CHECK(table.exit_code == 0);
  CHECK_THAT(table.out, Catch::Contains("WINDOW") && Catch::Contains("CONDITION") && Catch::Contains("STORED"));
  bool row = false;
  for (const auto& line : vigil::test::split_lines(table.out)) {
    row = row || (line.starts_with("ssh-bruteforce ") && line.find("event_count") != std::string::npos &&
                  line.find("gte 10") != std::string::npos &&
                  line.find("SSH brute force from {src_ip}") != std::string::npos);
  }
  CHECK(row);

  // A responder may read the rules; a liaison may not.
  const auto responder = vigil::test::call_as(kResponderUid, kResponderUid, f.socket(),
                                              {vigil::test::request(1, "correlation.list")});
  REQUIRE(responder.size() == 1);
  CHECK(responder[0]["result"]["rules"].size() == rules.size());
  const auto liaison = vigil::test::call_as(kLiaisonUid, kLiaisonUid, f.socket(),
                                            {vigil::test::request(1, "correlation.list")});
  REQUIRE(liaison.size() == 1);
  CHECK(liaison[0]["error"]["code"] == -32001);
}

TEST_CASE("vigil correlation test raises on the sample what vigil replay raises with the same rules",
          "[daemon][correlation][integration]") {
  CorrelationFixture f;
  DaemonProcess daemon(f.dir.file("vigil.yaml"), f.socket(), f.dir.file("vigild.log"));
  REQUIRE(daemon.started());
  ControlClient client(f.socket());
  std::vector<json> replayed;
  const json all = client.call("incidents.list", {{"limit", 1000}});
  INFO(all.dump().substr(0, 300));
  for (const auto& incident : all["result"]["incidents"]) {
    replayed.push_back(incident);
  }
  REQUIRE(replayed.size() > 3);

  const auto tested = vigil::test::run_vigil({"correlation", "test", "--rules", VIGIL_SOURCE_DIR "/config/correlation",
                                              "--pcap", VIGIL_SOURCE_DIR "/samples/sample.pcap", "--json"});
  INFO(tested.err);
  REQUIRE(tested.exit_code == 0);
  const auto raised = json_lines(tested.out);
  CHECK(keys_of(raised) == keys_of(replayed));
  for (const auto& incident : raised) {
    // first/last seen as stored by the replay for the same rule and group
    for (const auto& stored : replayed) {
      if (stored["rule_id"] != incident["rule"] || stored["group_key"] != incident["group_key"]) continue;
      CHECK(vigil::parse_timestamp(incident["first_seen"].get<std::string>()).value() ==
            vigil::parse_timestamp(stored["first_seen"].get<std::string>()).value());
      CHECK(vigil::parse_timestamp(incident["last_seen"].get<std::string>()).value() ==
            vigil::parse_timestamp(stored["last_seen"].get<std::string>()).value());
    }
  }

  // The table a person reads; one rule file alone raises only its own incidents.
  const auto one = vigil::test::run_vigil({"correlation", "test", "--rules",
                                           VIGIL_SOURCE_DIR "/config/correlation/ssh-bruteforce.yml", "--pcap",
                                           VIGIL_SOURCE_DIR "/samples/sample.pcap"});
  INFO(one.out << one.err);
  CHECK(one.exit_code == 0);
  CHECK_THAT(one.out, Catch::Contains("RULE") && Catch::Contains("GROUP") &&
                          Catch::Contains("src_ip=198.51.100.23,dest_ip=10.20.100.22") &&
                          Catch::Contains("1 incidents would be raised"));

  // Over EVE lines written by a replay, the same incidents.
  const std::string eve = f.dir.file("eve.json");
  const auto written = vigil::test::run_vigil({"replay", "--no-store", "--eve", eve, "--eve-types", "alert,flow",
                                               "--rules", VIGIL_SOURCE_DIR "/config/rules", "--correlation",
                                               VIGIL_SOURCE_DIR "/config/correlation",
                                               VIGIL_SOURCE_DIR "/samples/sample.pcap"});
  REQUIRE(written.exit_code == 0);
  const auto from_eve = vigil::test::run_vigil(
      {"correlation", "test", "--rules", VIGIL_SOURCE_DIR "/config/correlation", "--events", eve, "--json"});
  INFO(from_eve.err);
  REQUIRE(from_eve.exit_code == 0);
  CHECK(keys_of(json_lines(from_eve.out)) == keys_of(replayed));
}

TEST_CASE("vigil correlation test refuses a broken rules file with its file and line",
          "[daemon][correlation][integration]") {
  vigil::test::TempDir dir;
  const std::string broken = dir.file("broken.yml");
  vigil::test::write_file(broken,
                          "id: ssh-fast\n"
                          "title: \"fast SSH {src_ip}\"\n"
                          "type: event_count\n"
                          "timespan: sixty\n"
                          "match: {event_type: alert}\n"
                          "group_by: [src_ip]\n"
                          "condition: {gte: 3}\n"
                          "severity: high\n");
  const auto refused = vigil::test::run_vigil(
      {"correlation", "test", "--rules", broken, "--pcap", VIGIL_SOURCE_DIR "/samples/sample.pcap"});
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err, Catch::Contains(broken + ":4:") && Catch::Contains("timespan"));
  CHECK(refused.out.empty());
  // Neither input, or both: bad usage.
  CHECK(vigil::test::run_vigil({"correlation", "test", "--rules", broken}).exit_code == 2);
}
