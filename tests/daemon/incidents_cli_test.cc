// Triage end to end: a real vigild on a data dir filled by `vigil replay` of the sample capture, driven
// through the real `vigil` binary as a responder (lists, show, every change) and as an auditor (reads
// work, changes are refused with the role error); the changes read back through the API and after a
// vigild restart. `vigil alerts tail` follows live alerts from a sensor on a veth pair across a
// vigild restart, printing each stored alert exactly once ([root]).
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "daemon_harness.h"
#include "netns.h"
#include "ops_test_support.h"
#include "run_command.h"

using nlohmann::json;
using vigil::test::CommandResult;
using vigil::test::ControlClient;
using vigil::test::DaemonProcess;

namespace {

constexpr uid_t kAuditorUid = 65532;

// The sample's alerts and incidents in a data dir; whoever runs the tests is a responder, uid 65532 an auditor.
struct TriageFixture {
  TriageFixture() {
    std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));  // the auditor reaches the socket
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
                            "    - {uid: " + std::to_string(::geteuid()) + ", role: responder}\n"
                            "    - {uid: " + std::to_string(kAuditorUid) + ", role: auditor}\n");
  }
  std::string socket() const { return dir.file("control.sock"); }
  std::unique_ptr<DaemonProcess> start() const {
    return std::make_unique<DaemonProcess>(dir.file("vigil.yaml"), socket(), dir.file("vigild.log"));
  }
  // `vigil ARGS --socket S` as the responder (us).
  CommandResult vigil(std::vector<std::string> args) const {
    args.push_back("--socket");
    args.push_back(socket());
    return vigil::test::run_vigil(args);
  }
  // The same as the auditor.
  CommandResult vigil_as_auditor(std::vector<std::string> args) const {
    const std::string id = std::to_string(kAuditorUid);
    std::vector<std::string> command = {"/usr/bin/setpriv", "--reuid=" + id, "--regid=" + id, "--clear-groups", VIGIL_CLI};
    command.insert(command.end(), args.begin(), args.end());
    command.push_back("--socket");
    command.push_back(socket());
    return vigil::test::run_command(command);
  }

  vigil::test::TempDir dir;
};

std::vector<json> json_lines(const std::string& out) {
  std::vector<json> items;
  for (const auto& line : vigil::test::split_lines(out)) items.push_back(json::parse(line));
  return items;
}

std::vector<std::string> ids_of(const std::vector<json>& items) {
  std::vector<std::string> ids;
  for (const auto& item : items) ids.push_back(item["id"].get<std::string>());
  return ids;
}

// Every stored incident, from the API, newest first.
std::vector<json> all_incidents(ControlClient& client) {
  const json reply = client.call("incidents.list", {{"limit", 1000}});
  REQUIRE(reply.contains("result"));
  return reply["result"]["incidents"].get<std::vector<json>>();
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

int severity_rank(const json& incident) {
  const std::string s = incident["severity"];
  return s == "low" ? 0 : s == "medium" ? 1 : s == "high" ? 2 : 3;
}

// The cursor `vigil` printed on stderr for the next page, or "".
std::string printed_cursor(const std::string& err) {
  const auto at = err.find("--cursor ");
  if (at == std::string::npos) return "";
  return err.substr(at + 9, err.find(' ', at + 9) - at - 9);
}

}  // namespace

TEST_CASE("vigil incidents list: filters compose, sort and page, for a responder and an auditor",
          "[daemon][incidents][cli][integration]") {
  TriageFixture f;
  auto daemon = f.start();
  INFO(vigil::test::read_file(f.dir.file("vigild.log")));
  REQUIRE(daemon->started());
  ControlClient client(f.socket());
  const std::vector<json> stored = all_incidents(client);
  REQUIRE(stored.size() > 3);

  auto listed = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"incidents", "list", "--json", "--all"});
    const auto r = f.vigil(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json_lines(r.out);
  };
  auto expected = [&](auto keep) {
    std::vector<std::string> ids;
    for (const auto& incident : stored) {
      if (keep(incident)) ids.push_back(incident["id"]);
    }
    return ids;
  };

  // No filter: every incident, newest first, as the API has them.
  CHECK(ids_of(listed({})) == ids_of(stored));
  // A minimum severity, a state list, open.
  CHECK(ids_of(listed({"--severity", "high"})) == expected([](const json& i) { return severity_rank(i) >= 2; }));
  REQUIRE_FALSE(expected([](const json& i) { return severity_rank(i) < 2; }).empty());  // the filter drops some
  CHECK(ids_of(listed({"--state", "new,closed"})) == expected([](const json& i) { return i["state"] == "new"; }));
  CHECK(ids_of(listed({"--open"})) == ids_of(stored));
  // The rule, the agency, the zone of its events (the replay's sensor zone is "offline").
  const std::string rule = stored.back()["rule_id"];
  CHECK(ids_of(listed({"--rule", rule})) == expected([&](const json& i) { return i["rule_id"] == rule; }));
  REQUIRE_FALSE(stored.back()["agencies"].empty());
  const std::string agency = stored.back()["agencies"][0];
  CHECK(ids_of(listed({"--agency", agency})).size() ==
        expected([&](const json& i) {
          const auto& a = i["agencies"];
          return std::find(a.begin(), a.end(), agency) != a.end();
        }).size());
  // The zone comes from the incident's events still stored: retention already dropped the sample's old
  // flows, so the incidents made of flows alone have no zone left.
  const auto in_offline_zone = expected([&](const json& i) {
    const json reply = client.call("incidents.events", {{"id", i["id"]}, {"limit", 1000}});  // not a temporary
    for (const auto& event : reply["result"]["events"]) {
      if (event["zone"] == "offline") return true;
    }
    return false;
  });
  REQUIRE_FALSE(in_offline_zone.empty());
  CHECK(ids_of(listed({"--zone", "offline"})) == in_offline_zone);
  CHECK(listed({"--zone", "dmz"}).empty());
  // Text, any case, in titles; filters compose (AND).
  const auto sql = expected([](const json& i) { return lower(i["title"]).find("sql injection") != std::string::npos; });
  REQUIRE_FALSE(sql.empty());
  CHECK(ids_of(listed({"--text", "SQL Injection"})) == sql);
  const auto sql_high = expected([](const json& i) {
    return lower(i["title"]).find("sql injection") != std::string::npos && severity_rank(i) >= 2;
  });
  CHECK(ids_of(listed({"--text", "sql injection", "--severity", "high"})) == sql_high);
  CHECK(listed({"--since", "2026-03-03"}).empty());
  CHECK(listed({"--until", "2026-03-02"}).empty());
  CHECK(ids_of(listed({"--since", "2026-03-02", "--until", "2026-03-03"})) == ids_of(stored));

  // Sorting: critical first, then by id; last_seen oldest first.
  const auto by_severity = listed({"--sort", "-severity"});
  REQUIRE(by_severity.size() == stored.size());
  for (size_t i = 1; i < by_severity.size(); ++i) CHECK(severity_rank(by_severity[i - 1]) >= severity_rank(by_severity[i]));
  auto oldest_first = ids_of(listed({"--sort", "first_seen"}));
  std::reverse(oldest_first.begin(), oldest_first.end());
  CHECK(oldest_first == ids_of(stored));
  const auto by_last_seen = listed({"--sort", "last_seen"});
  for (size_t i = 1; i < by_last_seen.size(); ++i) {
    CHECK(by_last_seen[i - 1]["last_seen"].get<std::string>() <= by_last_seen[i]["last_seen"].get<std::string>());
  }
  // Paging by hand with the printed cursor gives the same list, in both orders, pages of 3.
  for (const std::string sort : {"-first_seen", "-severity"}) {
    std::vector<std::string> paged;
    std::string cursor;
    do {
      std::vector<std::string> args = {"incidents", "list", "--json", "--limit", "3", "--sort", sort};
      if (!cursor.empty()) args.insert(args.end(), {"--cursor", cursor});
      const auto page = f.vigil(args);
      REQUIRE(page.exit_code == 0);
      const auto items = json_lines(page.out);
      CHECK(items.size() <= 3);
      for (const auto& id : ids_of(items)) paged.push_back(id);
      cursor = printed_cursor(page.err);
    } while (!cursor.empty());
    CHECK(paged == (sort == "-first_seen" ? ids_of(stored) : ids_of(by_severity)));
  }

  // The table people read: a header, one row per incident with its id, severity and state.
  const auto table = f.vigil({"incidents", "list", "--severity", "critical"});
  CHECK(table.exit_code == 0);
  const auto rows = vigil::test::split_lines(table.out);
  const auto critical = expected([](const json& i) { return i["severity"] == "critical"; });
  if (critical.empty()) {
    CHECK(table.out.find("No incidents match.") != std::string::npos);
  } else {
    CHECK(rows.size() == critical.size() + 1);
  }
  const auto full_table = f.vigil({"incidents", "list", "--limit", "2"});
  const auto full_rows = vigil::test::split_lines(full_table.out);
  REQUIRE(full_rows.size() == 3);
  CHECK(full_rows[0].find("SEVERITY") != std::string::npos);
  CHECK(full_rows[0].find("ASSIGNEE") != std::string::npos);
  CHECK(full_rows[1].find(stored[0]["id"].get<std::string>()) != std::string::npos);
  CHECK(full_rows[1].find(stored[0]["severity"].get<std::string>()) != std::string::npos);
  CHECK(full_table.err.find("--cursor ") != std::string::npos);

  // Bad options say what is wrong and exit 2.
  auto bad = f.vigil({"incidents", "list", "--severity", "urgent"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--severity: 'urgent' is not low, medium, high or critical") != std::string::npos);
  bad = f.vigil({"incidents", "list", "--state", "snoozed"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--state: 'snoozed'") != std::string::npos);
  bad = f.vigil({"incidents", "list", "--sort", "title"});
  CHECK(bad.exit_code == 2);
  bad = f.vigil({"incidents", "list", "--since", "yesterday"});
  CHECK(bad.exit_code == 2);

  if (::geteuid() == 0) {  // switching to the auditor's uid needs root (CI runs as root)
    const auto as_auditor = f.vigil_as_auditor({"incidents", "list", "--json", "--all", "--severity", "high"});
    INFO(as_auditor.err);
    CHECK(as_auditor.exit_code == 0);
    CHECK(ids_of(json_lines(as_auditor.out)) == expected([](const json& i) { return severity_rank(i) >= 2; }));
  }
  CHECK(daemon->stop() == 0);
}

TEST_CASE("vigil incidents show and every change as a responder, stored across a restart, and an auditor reads but cannot change",
          "[daemon][incidents][cli][integration]") {
  TriageFixture f;
  auto daemon = f.start();
  INFO(vigil::test::read_file(f.dir.file("vigild.log")));
  REQUIRE(daemon->started());
  ControlClient client(f.socket());
  // An incident with several events still stored (retention dropped the sample's old flows): the
  // repeated-signature one of the sample.
  std::vector<json> stored = all_incidents(client);
  json target;
  for (const auto& incident : stored) {
    const json events = client.call("incidents.events", {{"id", incident["id"]}, {"limit", 1000}});
    if (events["result"]["events"].size() >= 3) {
      target = incident;
      break;
    }
  }
  REQUIRE(target.is_object());
  const std::string id = target["id"];
  REQUIRE(target["event_count"].get<int>() > 2);
  const std::string other = stored[0]["id"] == id ? stored[1]["id"] : stored[0]["id"];

  // show: what a person reads.
  auto shown = f.vigil({"incidents", "show", id, "--events", "2"});
  INFO(shown.err);
  REQUIRE(shown.exit_code == 0);
  CHECK(shown.out.starts_with(id + "  " + target["title"].get<std::string>()));
  for (const char* part : {"severity", "state             new", "protection level", "drill", "Report clock (layer 4)",
                           "Timeline", "correlator", "Observables", "Events (2 of "}) {
    CHECK(shown.out.find(part) != std::string::npos);
  }
  CHECK(shown.out.find(target["observables"][0]["value"].get<std::string>()) != std::string::npos);
  CHECK(shown.out.find("GET /") != std::string::npos);  // a payload excerpt
  CHECK(shown.out.find("\\r\\n") != std::string::npos); // escaped, on one line
  // --json: the whole incident and its events (with payloads) as vigild has them.
  shown = f.vigil({"incidents", "show", id, "--json"});
  REQUIRE(shown.exit_code == 0);
  const json whole = json::parse(shown.out);
  CHECK(whole["incident"] == client.call("incidents.get", {{"id", id}})["result"]);
  REQUIRE(whole["events"].size() == std::min<size_t>(20, target["event_count"].get<size_t>()));
  // The incident's own events (an event in two incidents names the first in its incident_id).
  const json by_incident = client.call("alerts.list", {{"incident_id", id}, {"limit", 1000}});
  std::set<std::string> expected_times;
  for (const auto& alert : by_incident["result"]["alerts"]) expected_times.insert(alert["timestamp"].get<std::string>());
  for (const auto& event : whole["events"]) {
    CHECK(event.value("event_type", "") == "alert");
    if (event.value("incident_id", "") == id) CHECK(expected_times.count(event.value("timestamp", "")) == 1);
  }
  CHECK(whole["events"][0].contains("payload_printable"));
  CHECK(whole["events_missing"] == 0);
  auto missing = f.vigil({"incidents", "show", "INC-999999"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("no incident INC-999999") != std::string::npos);

  // The auditor reads, and every change is refused with the role error, nothing changed.
  if (::geteuid() == 0) {
    CHECK(f.vigil_as_auditor({"incidents", "show", id}).exit_code == 0);
    struct Refused {
      std::vector<std::string> args;
      std::string method;
    };
    for (const Refused& r : {Refused{{"incidents", "ack", id}, "incidents.ack"},
                             Refused{{"incidents", "assign", id, "lan"}, "incidents.assign"},
                             Refused{{"incidents", "note", id, "hello"}, "incidents.note"},
                             Refused{{"incidents", "transition", id, "investigating"}, "incidents.transition"},
                             Refused{{"incidents", "resolve", id, "--resolution", "benign", "--note", "x"}, "incidents.resolve"},
                             Refused{{"incidents", "escalate", id, "--layer", "2"}, "incidents.escalate"},
                             Refused{{"incidents", "close", id}, "incidents.transition"}}) {
      const auto refused = f.vigil_as_auditor(r.args);
      INFO(r.args[1] << ": " << refused.out << refused.err);
      CHECK(refused.exit_code == 1);
      CHECK(refused.err.find(r.method + " needs the role responder or admin") != std::string::npos);
      CHECK(refused.err.find("has the role auditor") != std::string::npos);
    }
    CHECK(client.call("incidents.get", {{"id", id}})["result"] == whole["incident"]);
  }

  // The responder works it to closure; each command says what changed.
  auto run = [&](std::vector<std::string> args) {
    const auto r = f.vigil(args);
    INFO(args[1] << ": " << r.out << r.err);
    CHECK(r.exit_code == 0);
    return r.out;
  };
  CHECK(run({"incidents", "ack", id}) == id + ": state new -> acknowledged\n");
  CHECK(run({"incidents", "assign", id, "me"}) == id + ": assigned to root\n");
  CHECK(run({"incidents", "assign", other, "--to", "lan"}) == other + ": assigned to lan\n");
  CHECK(run({"incidents", "note", id, "blocked 203.0.113.77 at the edge"}) == id + ": note: blocked 203.0.113.77 at the edge\n");
  CHECK(run({"incidents", "transition", id, "investigating"}) == id + ": state acknowledged -> investigating\n");
  // An illegal transition: refused, named, exit 1, nothing changed.
  auto refused = f.vigil({"incidents", "transition", id, "new"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("cannot go from investigating to new") != std::string::npos);
  refused = f.vigil({"incidents", "close", id});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("cannot go from investigating to closed") != std::string::npos);
  CHECK(f.vigil({"incidents", "ack", "INC-999999"}).exit_code == 1);
  CHECK(f.vigil({"incidents", "assign", id}).exit_code == 2);  // no user named
  CHECK(run({"incidents", "escalate", id, "--layer", "2", "--note", "needs the monitoring company"}) ==
        id + ": escalated from layer 1 to layer 2\n" + id + ": note: needs the monitoring company\n");
  const std::string resolved = run({"incidents", "resolve", id, "--resolution", "true_positive", "--note",
                                    "sqlmap run by an outsider, blocked"});
  CHECK(resolved == id + ": state investigating -> resolved (true_positive)\n" + id +
                        ": note: sqlmap run by an outsider, blocked\n");
  const json closed = json::parse(run({"incidents", "close", id, "--json"}));
  CHECK(closed["changes"].size() == 1);
  CHECK(closed["changes"][0]["what"] == "state resolved -> closed");
  CHECK(closed["changes"][0]["actor"] == "root");
  CHECK(closed["incident"]["state"] == "closed");

  // The lists see it: assignee me/none, state, text in notes.
  auto listed_ids = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"incidents", "list", "--json", "--all"});
    const auto r = f.vigil(args);
    REQUIRE(r.exit_code == 0);
    return ids_of(json_lines(r.out));
  };
  CHECK(listed_ids({"--assignee", "me"}) == std::vector<std::string>{id});
  CHECK(listed_ids({"--assignee", "lan"}) == std::vector<std::string>{other});
  CHECK(listed_ids({"--assignee", "none"}).size() == stored.size() - 2);
  CHECK(listed_ids({"--state", "closed"}) == std::vector<std::string>{id});
  CHECK(listed_ids({"--text", "OUTSIDER"}) == std::vector<std::string>{id});
  CHECK(listed_ids({"--layer", "2"}) == std::vector<std::string>{id});
  const auto open = listed_ids({"--state", "open"});
  CHECK(std::find(open.begin(), open.end(), id) == open.end());
  CHECK(open.size() == stored.size() - 1);

  // Stored: the API has it, and so does a new vigild on the same data dir.
  auto check_stored = [&](ControlClient& c) {
    const json incident = c.call("incidents.get", {{"id", id}})["result"];
    CHECK(incident["state"] == "closed");
    CHECK(incident["resolution"] == "true_positive");
    CHECK(incident["assignee"] == "root");
    CHECK(incident["layer"] == 2);
    std::vector<std::string> whats;
    for (const auto& entry : incident["timeline"]) whats.push_back(entry["what"]);
    for (const char* what : {"state new -> acknowledged", "assigned to root", "note: blocked 203.0.113.77 at the edge",
                             "state acknowledged -> investigating", "escalated from layer 1 to layer 2",
                             "note: needs the monitoring company", "state investigating -> resolved (true_positive)",
                             "note: sqlmap run by an outsider, blocked", "state resolved -> closed"}) {
      CHECK(std::count(whats.begin(), whats.end(), what) == 1);
    }
  };
  check_stored(client);
  CHECK(daemon->stop() == 0);
  daemon = f.start();
  REQUIRE(daemon->started());
  ControlClient again(f.socket());
  check_stored(again);
  const auto after_restart = f.vigil({"incidents", "show", id});
  CHECK(after_restart.out.find("state             closed (true_positive)") != std::string::npos);
  CHECK(after_restart.out.find("assignee          root") != std::string::npos);
  // vigil status counts the incidents still open from before the restart, before any new event.
  size_t still_open = 0;
  for (const auto& incident : all_incidents(again)) still_open += incident["state"] != "resolved" && incident["state"] != "closed";
  REQUIRE(still_open > 0);
  const auto status = f.vigil({"status"});
  CHECK(status.out.find("incidents:  " + std::to_string(still_open) + " open,") != std::string::npos);
  // Every change is in the audit chain with its actor (the auditor reads it).
  if (::geteuid() == 0) {
    const auto audit = f.vigil_as_auditor({"audit", "log", "--json"});
    INFO(audit.err);
    REQUIRE(audit.exit_code == 0);
    std::multiset<std::string> actions;
    for (const auto& entry : json_lines(audit.out)) {
      if (entry.value("actor", "") == "root") actions.insert(entry.value("action", ""));
    }
    CHECK(actions.count("incidents.ack") == 1);
    CHECK(actions.count("incidents.transition") == 2);
    CHECK(actions.count("incidents.resolve") == 1);
    CHECK(actions.count("incidents.escalate") == 1);
  }
  CHECK(daemon->stop() == 0);
}

TEST_CASE("vigil alerts list: filters by sid, source, destination, sensor, zone, incident, time and text",
          "[daemon][alerts][cli][integration]") {
  TriageFixture f;
  auto daemon = f.start();
  INFO(vigil::test::read_file(f.dir.file("vigild.log")));
  REQUIRE(daemon->started());
  ControlClient client(f.socket());
  const json all = client.call("alerts.list", {{"limit", 1000}})["result"]["alerts"];
  REQUIRE(all.size() > 10);

  auto listed = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"alerts", "list", "--json", "--all"});
    const auto r = f.vigil(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json_lines(r.out);
  };
  auto count = [&](auto keep) { return static_cast<size_t>(std::count_if(all.begin(), all.end(), keep)); };
  CHECK(listed({}).size() == all.size());
  const int sid = all[0]["alert"]["signature_id"];
  CHECK(listed({"--sid", std::to_string(sid)}).size() == count([&](const json& a) { return a["alert"]["signature_id"] == sid; }));
  const std::string src = all[0]["src_ip"];
  CHECK(listed({"--src", src}).size() == count([&](const json& a) { return a["src_ip"] == src; }));
  CHECK(listed({"--src", "198.51.100.0/24"}).size() ==
        count([](const json& a) { return a["src_ip"].get<std::string>().starts_with("198.51.100."); }));
  CHECK(listed({"--src", "100.64.0.0/10"}).empty());
  const std::string dst = all[0]["dest_ip"];
  CHECK(listed({"--dst", dst + "/32", "--src", src}).size() ==
        count([&](const json& a) { return a["dest_ip"] == dst && a["src_ip"] == src; }));
  CHECK(listed({"--sensor", "replay", "--zone", "offline"}).size() == all.size());
  CHECK(listed({"--zone", "dmz"}).empty());
  const auto log4j = listed({"--text", "LOG4J"});
  CHECK(log4j.size() == count([](const json& a) { return lower(a["alert"]["signature"]).find("log4j") != std::string::npos; }));
  REQUIRE_FALSE(log4j.empty());
  const std::string incident = log4j[0]["incident_id"];
  for (const auto& alert : listed({"--incident", incident})) CHECK(alert["incident_id"] == incident);
  CHECK(listed({"--since", "2026-03-03"}).empty());
  CHECK(listed({"--since", "2026-03-02", "--until", "2026-03-03"}).size() == all.size());

  const auto table = f.vigil({"alerts", "list", "--text", "log4j"});
  const auto rows = vigil::test::split_lines(table.out);
  REQUIRE(rows.size() == log4j.size() + 1);
  CHECK(rows[0].find("SIGNATURE") != std::string::npos);
  CHECK(rows[1].find(incident) != std::string::npos);
  CHECK(rows[1].find("Log4j") != std::string::npos);
  const auto bad_src = f.vigil({"alerts", "list", "--src", "not-an-ip"});
  CHECK(bad_src.exit_code == 2);
  CHECK(bad_src.err.find("--src: ") != std::string::npos);
  if (::geteuid() == 0) CHECK(json_lines(f.vigil_as_auditor({"alerts", "list", "--json", "--all"}).out).size() == all.size());
  CHECK(daemon->stop() == 0);
}

namespace {

// `vigil ARGS` in the background, stdout and stderr to files; SIGINT ends it.
class Background {
 public:
  Background(const std::vector<std::string>& args, const std::string& out, const std::string& err) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> argv;
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Background() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  void stop_running() const { ::kill(pid_, SIGSTOP); }
  void go_on() const { ::kill(pid_, SIGCONT); }
  // SIGINT, then its exit code (-1 when it did not exit normally).
  int interrupt() {
    ::kill(pid_, SIGINT);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
};

// Waits (generous deadline) until `done()`; false when it never became true.
template <typename Done>
bool wait_until(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

}  // namespace

TEST_CASE("vigil alerts tail: every live alert exactly once, across a vigild restart",
          "[daemon][alerts][tail][cli][root][integration]") {
  if (::geteuid() != 0) {
    WARN("live capture needs root (CI runs as root): skipped");
    return;
  }
  using vigil::sensors::test::InNetns;
  using vigil::sensors::test::VethPair;
  VethPair net;
  REQUIRE(net.error().empty());
  vigil::test::TempDir dir;
  std::filesystem::create_directories(dir.file("rules"));
  vigil::test::write_file(dir.file("rules/live.rules"),
                          "alert udp any any -> any 9999 (msg:\"vigil tail test\"; content:\"VIGIL-TAIL\"; "
                          "sid:9999941; rev:1;)\n");
  vigil::test::write_file(dir.file("vigil.yaml"),
                          "data_dir: data\n"
                          "sensors:\n"
                          "  - {name: edge-test, zone: wan, interface: " + net.if_b() + "}\n"
                          "rules: {paths: [rules]}\n"
                          "correlation: {paths: [" VIGIL_SOURCE_DIR "/config/correlation]}\n"
                          "control: {socket: control.sock}\n");
  auto start = [&] {
    InNetns inside(net.ns_b());  // the forked daemon inherits this thread's namespace
    return std::make_unique<DaemonProcess>(dir.file("vigil.yaml"), dir.file("control.sock"), dir.file("vigild.log"));
  };
  auto daemon = start();
  INFO(vigil::test::read_file(dir.file("vigild.log")));
  REQUIRE(daemon->started());
  auto client = std::make_unique<ControlClient>(dir.file("control.sock"));
  // What the store holds: each alert's time and payload text.
  auto stored = [&] {
    std::multiset<std::string> out;
    const json reply = client->call("alerts.list", {{"sid", 9999941}, {"limit", 1000}});  // not a temporary
    for (const auto& a : reply["result"]["alerts"]) {
      out.insert(a["timestamp"].get<std::string>() + " " + a["payload_printable"].get<std::string>());
    }
    return out;
  };
  auto count_payload = [](const std::multiset<std::string>& alerts, const std::string& payload) {
    return std::count_if(alerts.begin(), alerts.end(), [&](const std::string& a) { return a.ends_with(" " + payload); });
  };
  // Sends packet n until its alert is stored (a packet sent before capture is up is not seen).
  auto send = [&](int n) {
    const std::string payload = "VIGIL-TAIL packet " + std::to_string(n);
    for (int attempt = 0; attempt < 100 && count_payload(stored(), payload) == 0; ++attempt) {
      {
        InNetns inside(net.ns_a());
        vigil::test::send_udp(VethPair::addr_b(), 9999, payload);
      }
      for (int i = 0; i < 20 && count_payload(stored(), payload) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    REQUIRE(count_payload(stored(), payload) > 0);
  };
  auto tailed = [&] {
    std::multiset<std::string> out;
    for (const auto& line : vigil::test::split_lines(vigil::test::read_file(dir.file("tail.out")))) {
      const json a = json::parse(line);
      out.insert(a["timestamp"].get<std::string>() + " " + a["payload_printable"].get<std::string>());
    }
    return out;
  };
  auto since_tail = [&](const std::multiset<std::string>& before) {
    auto out = stored();
    for (const auto& a : before) out.erase(out.find(a));
    return out;
  };

  // Alerts from before the tail starts are not printed: the tail begins with the next one.
  send(0);
  const auto before = stored();
  Background tail({VIGIL_CLI, "alerts", "tail", "--json", "--interval", "100", "--socket", dir.file("control.sock")},
                  dir.file("tail.out"), dir.file("tail.err"));
  REQUIRE(wait_until([&] {
    return vigil::test::read_file(dir.file("tail.err")).find("following new alerts") != std::string::npos;
  }));
  for (int i = 1; i <= 5; ++i) send(i);
  auto expected = since_tail(before);
  REQUIRE(wait_until([&] { return tailed().size() >= expected.size(); }));
  CHECK(tailed() == expected);
  for (const auto& line : vigil::test::split_lines(vigil::test::read_file(dir.file("tail.out")))) {
    const json a = json::parse(line);  // EVE: one object per line
    CHECK(a["event_type"] == "alert");
    CHECK(a["sensor"] == "edge-test");
    CHECK(a["zone"] == "wan");
  }

  // vigil status while the sensor sees traffic: the rule set's version, rates, the backlog.
  const auto status = vigil::test::run_vigil({"status", "--socket", dir.file("control.sock"), "--sample", "0.5"});
  INFO(status.out << status.err);
  CHECK(status.exit_code == 0);
  const json status_json = json::parse(vigil::test::run_vigil({"status", "--socket", dir.file("control.sock"), "--json"}).out);
  const std::string version = status_json["rules"].value("version", "");
  CHECK(version.size() == 12);
  CHECK(status.out.find("1 loaded, 0 reloads, version " + version) != std::string::npos);
  CHECK(status.out.find("received (") != std::string::npos);
  CHECK(status.out.find("backlog:") != std::string::npos);
  CHECK(status.out.find("events waiting for the pipeline") != std::string::npos);
  CHECK(status.out.find("sensor edge-test (wan, " + net.if_b() + "): ") != std::string::npos);
  CHECK(status.out.find("/s), ") != std::string::npos);

  // Alerts stored while the tail cannot ask (stopped with SIGSTOP), then vigild restarts: the tail,
  // reconnected to the next vigild, gets the ones it missed from the store, and none twice.
  tail.stop_running();
  for (int i = 6; i <= 9; ++i) send(i);
  client.reset();
  CHECK(daemon->stop() == 0);
  tail.go_on();
  REQUIRE(wait_until([&] { return vigil::test::read_file(dir.file("tail.err")).find("lost vigild") != std::string::npos; }));
  daemon = start();
  REQUIRE(daemon->started());
  client = std::make_unique<ControlClient>(dir.file("control.sock"));
  REQUIRE(wait_until([&] { return vigil::test::read_file(dir.file("tail.err")).find("vigild is back") != std::string::npos; }));
  for (int i = 10; i <= 12; ++i) send(i);
  expected = since_tail(before);
  REQUIRE(wait_until([&] { return tailed().size() >= expected.size(); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // room for a wrong extra line to show
  CHECK(tailed() == expected);
  for (int i = 1; i <= 12; ++i) CHECK(count_payload(tailed(), "VIGIL-TAIL packet " + std::to_string(i)) >= 1);
  CHECK(count_payload(tailed(), "VIGIL-TAIL packet 0") == 0);
  CHECK(tail.interrupt() == 0);
  CHECK(daemon->stop() == 0);
}
