// Layer-4 reporting end to end: a real vigild on a data dir filled by `vigil replay` of the bundled
// sample with a policy that makes unauthorised access serious, tags the port scanner's address as a drill
// and puts the full report far in the future; a STIX outbox whose sender (/bin/echo) prints a receipt.
// The real `vigil reports due`, `vigil report` and `vigil report send` as the liaison; a responder and a
// drill refused; the receipts on the incident's report clock, read back and after a restart.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <set>

#include "daemon_harness.h"
#include "ops_test_support.h"
#include "run_command.h"
#include "vigil/core/time.h"

using nlohmann::json;
using vigil::test::ControlClient;
using vigil::test::DaemonProcess;

namespace {

constexpr uid_t kResponderUid = 65532;
constexpr uid_t kAdminUid = 65533;
constexpr const char* kOrganisation = "Sở Thông tin và Truyền thông tỉnh Thử";

// 203.0.113.66 scans the portal (a critical incident once the asset raises it): inside the drill window.
// Full reports are due 100000 h after detection, so they are "not yet due" for years.
constexpr const char* kPolicy =
    "assets:\n"
    "  - {name: public-portal, cidr: 10.20.100.0/24, agency: \"Văn phòng UBND tỉnh\", zone: datacenter,"
    " protection_level: 3, criticality: high}\n"
    "  - {name: provincial-wan, cidr: 10.20.0.0/16, agency: \"Sở TTTT\", zone: wan, protection_level: 2}\n"
    "drills:\n"
    "  - {name: pentest-portal, from: 2020-01-01T00:00:00Z, until: 2040-01-01T00:00:00Z, sources: [203.0.113.66/32]}\n"
    "reporting:\n"
    "  severity: critical\n"
    "  categories: [unauthorized_access]\n"
    "  initial_due: 24h\n"
    "  full_due: 100000h\n";

struct ReportsFixture {
  ReportsFixture() {
    std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));  // other uids reach the socket
    vigil::test::write_file(dir.file("policy.yaml"), kPolicy);
    const auto replay = vigil::test::run_vigil({"replay", "--data-dir", dir.file("data"), "--rules",
                                                VIGIL_SOURCE_DIR "/config/rules", "--correlation",
                                                VIGIL_SOURCE_DIR "/config/correlation", "--policy",
                                                dir.file("policy.yaml"), VIGIL_SOURCE_DIR "/samples/sample.pcap"});
    INFO(replay.err);
    REQUIRE(replay.exit_code == 0);
    // review_interval 1h: the policy's timer would mark every notice overdue and the outbox would send
    // them by itself; here the liaison sends them.
    vigil::test::write_file(
        dir.file("vigil.yaml"),
        std::string("data_dir: data\n"
                    "rules: {paths: [" VIGIL_SOURCE_DIR "/config/rules]}\n"
                    "correlation: {paths: [" VIGIL_SOURCE_DIR "/config/correlation], review_interval: 1h}\n"
                    "forwarders:\n"
                    "  - {name: ncsc, type: stix_outbox, outbox: outbox, sender: [/bin/echo, NCSC-RECEIPT],"
                    " organisation: \"") +
            kOrganisation +
            "\"}\n"
            "forwarding: {interval: 100ms}\n"
            "control:\n"
            "  socket: control.sock\n"
            "  socket_mode: 0666\n"
            "  roles:\n"
            "    - {uid: " + std::to_string(::geteuid()) + ", role: liaison}\n"
            "    - {uid: " + std::to_string(kResponderUid) + ", role: responder}\n"
            "    - {uid: " + std::to_string(kAdminUid) + ", role: admin}\n" +
            kPolicy);
  }
  std::string socket() const { return dir.file("control.sock"); }
  vigil::test::CommandResult vigil(std::vector<std::string> args) const {
    args.push_back("--socket");  // an option of the subcommand: last
    args.push_back(socket());
    return vigil::test::run_vigil(args);
  }
  std::vector<json> incidents(ControlClient& client) const {
    const json listed = client.call("incidents.list", {{"limit", 1000}});
    std::vector<json> out;
    for (const auto& incident : listed["result"]["incidents"]) out.push_back(incident);
    return out;
  }
  json incident_of_rule(ControlClient& client, const std::string& rule) const {
    for (const auto& incident : incidents(client)) {
      if (incident["rule_id"] == rule) return incident;
    }
    FAIL("no incident of rule " << rule);
    return {};
  }

  vigil::test::TempDir dir;
};

vigil::Timestamp time_of(const json& value) {
  auto parsed = vigil::parse_timestamp(value.get<std::string>());
  REQUIRE(parsed);
  return *parsed;
}

}  // namespace

TEST_CASE("vigil reports due as the liaison: the serious incidents' notices, soonest first, drills never",
          "[daemon][reports][integration]") {
  ReportsFixture f;
  DaemonProcess daemon(f.dir.file("vigil.yaml"), f.socket(), f.dir.file("vigild.log"));
  INFO(vigil::test::read_file(f.dir.file("vigild.log")));
  REQUIRE(daemon.started());
  ControlClient client(f.socket());

  // What the report clock should hold: every serious incident outside the drill, detected at first_seen.
  std::set<std::string> serious;
  std::string drill;
  for (const auto& incident : f.incidents(client)) {
    if (incident["drill"] == true) drill = incident["id"];
    if (incident["report_required"] == true && incident["drill"] == false) serious.insert(incident["id"]);
  }
  REQUIRE_FALSE(drill.empty());  // the port scan from the drill's source
  REQUIRE(serious.size() >= 2);

  const auto due = f.vigil({"reports", "due", "--json"});
  INFO(due.out << due.err);
  REQUIRE(due.exit_code == 0);
  const json listed = json::parse(due.out);
  std::set<std::string> ids;
  vigil::Timestamp previous = INT64_MIN;
  for (const auto& report : listed["reports"]) {
    ids.insert(report["id"]);
    CHECK(report["kind"] == "initial");  // full reports are 100000 h away: not within 24 h
    const json incident = client.call("incidents.get", {{"id", report["id"]}})["result"];
    CHECK(report["detected_at"] == incident["report"]["detected_at"]);
    CHECK(time_of(incident["report"]["detected_at"]) == time_of(incident["first_seen"]));
    CHECK(time_of(report["due"]) == time_of(incident["report"]["detected_at"]) + vigil::hours(24));
    CHECK(report["overdue"] == true);  // the sample is from March 2026
    CHECK(report["seconds_left"].get<int64_t>() < 0);
    CHECK(time_of(report["due"]) >= previous);
    previous = time_of(report["due"]);
  }
  CHECK(ids == serious);
  CHECK(listed["overdue"] == serious.size());
  CHECK(ids.count(drill) == 0);

  // --all adds the full reports, due in the future; --check tells a cron job something is late.
  const json all = json::parse(f.vigil({"reports", "due", "--all", "--json"}).out);
  size_t full = 0;
  for (const auto& report : all["reports"]) {
    if (report["kind"] != "full") continue;
    ++full;
    CHECK(report["overdue"] == false);
    CHECK(report["seconds_left"].get<int64_t>() > 0);
    CHECK(time_of(report["due"]) == time_of(report["detected_at"]) + vigil::hours(100000));
  }
  CHECK(full == serious.size());
  CHECK(all["reports"].back()["kind"] == "full");  // soonest first: every late notice before them
  CHECK(f.vigil({"reports", "due", "--check"}).exit_code == 3);
  CHECK(f.vigil({"reports", "due", "--within", "soon"}).exit_code == 2);

  // The table a person reads.
  const auto table = f.vigil({"reports", "due"});
  CHECK(table.exit_code == 0);
  const std::string first = *serious.begin();
  CHECK_THAT(table.out, Catch::Contains(first) && Catch::Contains("initial notice (24h)") &&
                            Catch::Contains("overdue by") && Catch::Contains(std::to_string(serious.size()) + " overdue"));
  CHECK_THAT(table.out, !Catch::Contains(drill));
}

TEST_CASE("vigil report: the national form's fields as text in English and Vietnamese, as JSON and as STIX",
          "[daemon][reports][integration]") {
  ReportsFixture f;
  DaemonProcess daemon(f.dir.file("vigil.yaml"), f.socket(), f.dir.file("vigild.log"));
  INFO(vigil::test::read_file(f.dir.file("vigild.log")));
  REQUIRE(daemon.started());
  ControlClient client(f.socket());
  // The SSH brute force against the portal: unauthorised access, critical once the asset raised it.
  const json incident = f.incident_of_rule(client, "ssh-bruteforce");
  const std::string id = incident["id"];
  const std::string attacker = "198.51.100.23";

  const auto as_json = f.vigil({"report", id, "--kind", "initial", "--format", "json", "--impact",
                                "SSH on the portal slowed for 10 minutes"});
  INFO(as_json.out << as_json.err);
  REQUIRE(as_json.exit_code == 0);
  const json form = json::parse(as_json.out);
  CHECK(form["kind"] == "initial");
  CHECK(form["incident_id"] == id);
  CHECK(form["reporting_organisation"] == kOrganisation);
  REQUIRE(form["affected_systems"].size() == 1);  // the attacker's address is none of ours
  CHECK(form["affected_systems"][0]["name"] == "public-portal");
  CHECK(form["affected_systems"][0]["agency"] == "Văn phòng UBND tỉnh");
  CHECK(form["affected_systems"][0]["protection_level"] == 3);
  CHECK(form["affected_systems"][0]["addresses"] == json::array({"10.20.100.22"}));
  CHECK(form["protection_level"] == 3);
  CHECK(form["category"] == "unauthorized_access");
  CHECK(form["severity"] == "critical");
  CHECK(form["detected_at"] == incident["report"]["detected_at"]);
  CHECK(form["impact"] == "SSH on the portal slowed for 10 minutes");
  CHECK(form["help_requested"].is_null());
  bool escalation = false;
  for (const auto& action : form["actions_taken"]) {
    CHECK(action["actor"] != "correlator");
    escalation = escalation || action["what"].get<std::string>().find("escalated from layer 1 to layer 2") != std::string::npos;
  }
  CHECK(escalation);
  CHECK(form["report_clock"]["initial_sent"].is_null());

  const auto english = f.vigil({"report", id, "--kind", "initial", "--help-requested", "forensic analysis"});
  INFO(english.out << english.err);
  REQUIRE(english.exit_code == 0);
  CHECK_THAT(english.out, Catch::Contains("INITIAL INCIDENT NOTICE"));
  CHECK_THAT(english.out, Catch::Contains(std::string("1. Reporting organisation (Tổ chức báo cáo sự cố): ") + kOrganisation));
  CHECK_THAT(english.out, Catch::Contains("public-portal (datacenter): 10.20.100.22"));
  CHECK_THAT(english.out, Catch::Contains("Protection level of the system (Cấp độ an toàn hệ thống thông tin): 3"));
  CHECK_THAT(english.out, Catch::Contains("3. Incident type (Loại sự cố): Unauthorised access, taking control (unauthorized_access)"));
  CHECK_THAT(english.out, Catch::Contains("5. Impact of the incident (Ảnh hưởng của sự cố): [to be filled in]"));
  CHECK_THAT(english.out, Catch::Contains("7. Help requested (Đề nghị hỗ trợ): forensic analysis"));
  CHECK_THAT(english.out, Catch::Contains("escalated from layer 1 to layer 2"));

  const auto vietnamese = f.vigil({"report", id, "--kind", "full", "--lang", "vi"});
  INFO(vietnamese.out << vietnamese.err);
  REQUIRE(vietnamese.exit_code == 0);
  CHECK_THAT(vietnamese.out, Catch::Contains("BÁO CÁO ĐẦY ĐỦ SỰ CỐ AN TOÀN THÔNG TIN MẠNG"));
  CHECK_THAT(vietnamese.out, Catch::Contains(std::string("1. Tổ chức báo cáo sự cố: ") + kOrganisation));
  CHECK_THAT(vietnamese.out, Catch::Contains("3. Loại sự cố: Truy cập trái phép, chiếm quyền điều khiển (unauthorized_access)"));
  CHECK_THAT(vietnamese.out, Catch::Contains("Đơn vị chủ quản: Văn phòng UBND tỉnh"));
  CHECK_THAT(vietnamese.out, !Catch::Contains("Reporting organisation"));

  // STIX: the outbox's bundle (identity, incident, an indicator and a sighting per address) plus the form.
  const auto stix = f.vigil({"report", id, "--format", "stix", "--impact", "slow SSH"});
  REQUIRE(stix.exit_code == 0);
  const json bundle = json::parse(stix.out);
  CHECK(bundle["type"] == "bundle");
  std::set<std::string> patterns;
  json incident_object;
  for (const auto& object : bundle["objects"]) {
    if (object["type"] == "identity") CHECK(object["name"] == kOrganisation);
    if (object["type"] == "indicator") patterns.insert(object["pattern"]);
    if (object["type"] == "incident") incident_object = object;
  }
  CHECK(patterns.count("[ipv4-addr:value = '" + attacker + "']") == 1);
  CHECK(incident_object["x_vigil_id"] == id);
  CHECK(incident_object["x_vigil_report_kind"] == "initial");
  CHECK(incident_object["x_vigil_category"] == "unauthorized_access");
  CHECK(incident_object["x_vigil_impact"] == "slow SSH");
  CHECK(incident_object["x_vigil_affected_systems"] == json::array({"public-portal"}));
  CHECK(incident_object["x_vigil_protection_level"] == 3);

  CHECK(f.vigil({"report", "INC-999999"}).exit_code == 1);
  CHECK(f.vigil({"report", id, "--kind", "weekly"}).exit_code == 2);
}

TEST_CASE("vigil report send as the liaison: delivered through the outbox, the receipt marks it sent, kept "
          "after a restart, refused for a responder and for a drill",
          "[daemon][reports][integration]") {
  ReportsFixture f;
  std::string id;
  {
    DaemonProcess daemon(f.dir.file("vigil.yaml"), f.socket(), f.dir.file("vigild.log"));
    INFO(vigil::test::read_file(f.dir.file("vigild.log")));
    REQUIRE(daemon.started());
    ControlClient client(f.socket());
    const json incident = f.incident_of_rule(client, "ssh-bruteforce");
    id = incident["id"];

    const auto sent = f.vigil({"report", "send", id, "--kind", "initial", "--impact", "slow SSH", "--wait", "--json"});
    INFO(sent.out << sent.err);
    REQUIRE(sent.exit_code == 0);
    const json queued = json::parse(sent.out);
    CHECK(queued["forwarder"] == "ncsc");
    CHECK(queued["kind"] == "initial");
    CHECK_THAT(queued["delivered"]["receipt"].get<std::string>(), Catch::Contains("NCSC-RECEIPT"));
    // The bundle the sender was given, in the outbox.
    const std::string file = f.dir.file("outbox/" + queued["bundle_id"].get<std::string>() + ".json");
    REQUIRE(std::filesystem::exists(file));
    const json bundle = json::parse(vigil::test::read_file(file));
    bool named = false;
    for (const auto& object : bundle["objects"]) {
      if (object["type"] != "incident") continue;
      named = object["x_vigil_id"] == id && object["x_vigil_report_kind"] == "initial" && object["x_vigil_impact"] == "slow SSH";
    }
    CHECK(named);

    // The report clock, read back: sent, with the receipt; due no more.
    json stored = client.call("incidents.get", {{"id", id}})["result"];
    CHECK_FALSE(stored["report"]["initial_sent"].is_null());
    CHECK(stored["report"]["full_sent"].is_null());
    CHECK_THAT(stored["report"]["receipts"][0].get<std::string>(), Catch::Contains("NCSC-RECEIPT"));
    CHECK_THAT(stored["timeline"].dump(), Catch::Contains("layer-4 initial notice sent"));
    for (const auto& report : json::parse(f.vigil({"reports", "due", "--all", "--json"}).out)["reports"]) {
      CHECK_FALSE((report["id"] == id && report["kind"] == "initial"));
    }

    // The same notice again, the final report of an open incident, a drill, an incident that needs none.
    const auto again = f.vigil({"report", "send", id, "--kind", "initial"});
    CHECK(again.exit_code == 1);
    CHECK_THAT(again.err, Catch::Contains("initial notice was already sent"));
    const auto final_report = f.vigil({"report", "send", id, "--kind", "final"});
    CHECK(final_report.exit_code == 1);
    CHECK_THAT(final_report.err, Catch::Contains("the final report follows its resolution"));
    std::string drill, minor;
    for (const auto& other : f.incidents(client)) {
      if (other["drill"] == true) drill = other["id"];
      if (other["report_required"] == false && other["drill"] == false) minor = other["id"];
    }
    REQUIRE_FALSE(drill.empty());
    REQUIRE_FALSE(minor.empty());
    const auto refused_drill = f.vigil({"report", "send", drill, "--kind", "initial"});
    CHECK(refused_drill.exit_code == 1);
    CHECK_THAT(refused_drill.err, Catch::Contains("is a drill") && Catch::Contains("never reported to layer 4"));
    const auto refused_minor = f.vigil({"report", "send", minor, "--kind", "initial"});
    CHECK(refused_minor.exit_code == 1);
    CHECK_THAT(refused_minor.err, Catch::Contains("needs no layer-4 report"));

    // A responder may read what is due but not send.
    const auto replies = vigil::test::call_as(
        kResponderUid, kResponderUid, f.socket(),
        {vigil::test::request(1, "reports.send", {{"id", id}, {"kind", "full"}}), vigil::test::request(2, "reports.due")});
    REQUIRE(replies.size() == 2);
    CHECK(replies[0]["error"]["code"] == -32001);
    CHECK_THAT(replies[0]["error"]["message"].get<std::string>(), Catch::Contains("liaison or admin"));
    CHECK(replies[1].contains("result"));

    // The full report, without waiting: the forwarding thread delivers it and the receipt arrives.
    const auto full = f.vigil({"report", "send", id, "--kind", "full"});
    INFO(full.out << full.err);
    CHECK(full.exit_code == 0);
    CHECK_THAT(full.out, Catch::Contains("Queued full report (72h) of incident " + id + " on the layer-4 outbox ncsc"));
    REQUIRE(vigil::test::eventually([&] {
      return !client.call("incidents.get", {{"id", id}})["result"]["report"]["full_sent"].is_null();
    }));

    // Audited: who asked for what and what came of it, and vigild's record of each receipt.
    const auto audit = vigil::test::call_as(kAdminUid, kAdminUid, f.socket(),
                                            {vigil::test::request(1, "audit.list", {{"limit", 1000}})});
    REQUIRE(audit.size() == 1);
    std::vector<std::string> outcomes;
    std::set<std::string> receipts;
    for (const auto& entry : audit[0]["result"]["entries"]) {
      if (entry["action"] == "reports.send") {
        CHECK(entry["detail"]["role"] == "liaison");
        outcomes.push_back(entry["detail"]["outcome"].get<std::string>().substr(0, 7));
      }
      if (entry["action"] == "incidents.report_sent" && entry["actor"] == "vigild") {
        receipts.insert(entry["detail"]["params"]["kind"].get<std::string>());
      }
    }
    CHECK(outcomes == std::vector<std::string>{"queued ", "refused", "refused", "refused", "refused", "queued "});
    CHECK(receipts == std::set<std::string>{"initial", "full"});
    CHECK(daemon.stop() == 0);
  }
  // After a restart the report clock still says both were sent.
  DaemonProcess restarted(f.dir.file("vigil.yaml"), f.socket(), f.dir.file("vigild2.log"));
  REQUIRE(restarted.started());
  ControlClient client(f.socket());
  const json stored = client.call("incidents.get", {{"id", id}})["result"];
  CHECK_FALSE(stored["report"]["initial_sent"].is_null());
  CHECK_FALSE(stored["report"]["full_sent"].is_null());
  CHECK(stored["report"]["receipts"].size() == 2);
  for (const auto& report : json::parse(f.vigil({"reports", "due", "--all", "--json"}).out)["reports"]) {
    CHECK(report["id"] != id);
  }
}
