// Tuning a live vigild's rules as an admin does, through the `vigil` CLI: disable and enable a rule,
// override its threshold, suppress its alerts from one source (and a suppression that expires), with
// real traffic on a veth pair; every change is audited with actor and reason, refused for a
// responder, checked for bad input, and still in force after a restart. Plus the rule-text rewrite
// the overrides rely on (rule_admin_rules.h).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "ops_test_support.h"
#include "roles.h"
#include "rule_admin_rules.h"

using nlohmann::json;
namespace t = vigil::test;
namespace d = vigil::daemon;

namespace {

constexpr uid_t kResponderUid = 65531;
constexpr uint32_t kSidA = 9999201, kSidB = 9999202, kSidC = 9999203, kSidD = 9999204;

std::string signature(uint32_t sid, const std::string& content) {
  return "alert udp any any -> any 9999 (msg:\"tune " + std::to_string(sid) + "\"; content:\"" + content +
         "\"; sid:" + std::to_string(sid) + "; rev:1;)\n";
}

// A datagram to the sensor's end from `from` (an address of namespace a's interface).
void send_from(const t::LiveDaemon& live, const std::string& from, const std::string& payload, int count = 1) {
  vigil::sensors::test::InNetns inside(live.net.ns_a());
  for (int i = 0; i < count; ++i) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, from.c_str(), &local.sin_addr);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(9999);
    ::inet_pton(AF_INET, vigil::sensors::test::VethPair::addr_b().c_str(), &to.sin_addr);
    (void)::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    ::close(fd);
  }
}

t::CommandResult vigil_cli(const t::LiveDaemon& live, std::vector<std::string> args) {
  args.push_back("--socket");
  args.push_back(live.dir.file("control.sock"));
  return t::run_vigil(std::move(args));
}

json json_of(const t::CommandResult& r) {
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

json rule_row(const t::LiveDaemon& live, uint32_t sid) {
  const json listed = json_of(vigil_cli(live, {"rules", "list", "--sid", std::to_string(sid), "--json"}));
  REQUIRE(listed["rules"].size() == 1);
  return listed["rules"][0];
}

}  // namespace

TEST_CASE("rule overrides rewrite only the rule they name and keep every line", "[daemon][rules_admin]") {
  const std::string text =
      "# a comment\n"
      "alert udp any any -> $HOME_NET 53 (msg:\"a\\; b\"; content:\"x\"; sid:1; rev:1;)\n"
      "alert tcp any any -> any 80 (msg:\"two lines\"; \\\n"
      "  threshold: type both, track by_dst, count 9, seconds 9; sid:2; rev:3;)\n"
      "alert udp any any -> any 1 (msg:\"kept\"; sid:3;)\n";
  d::RuleOverrides overrides;
  overrides[1].disabled = true;
  overrides[2].threshold = d::ThresholdOverride{"limit", "by_src", 1, 60};
  overrides[77].disabled = true;  // no such rule: nothing to rewrite
  d::RuleCatalogue catalogue;
  const std::string out = d::apply_overrides(text, "t.rules", overrides, catalogue);
  CHECK(out ==
        "# a comment\n"
        "# disabled by vigil rules disable: sid 1\n"
        "alert tcp any any -> any 80 (msg:\"two lines\"; sid:2; rev:3; threshold: type limit, track by_src, count 1, seconds 60;)\n"
        "\n"
        "alert udp any any -> any 1 (msg:\"kept\"; sid:3;)\n");
  REQUIRE(catalogue.rules.size() == 3);
  CHECK(catalogue.rules[0].msg == "a; b");
  CHECK(catalogue.rules[0].variables == std::vector<std::string>{"$HOME_NET"});
  CHECK(catalogue.rules[1].line == 3);
  CHECK(catalogue.rules[1].rev == 3);
  CHECK(catalogue.rules[1].threshold == "type both, track by_dst, count 9, seconds 9");
  CHECK(catalogue.rules[2].line == 5);
  d::RuleCatalogue unchanged;
  CHECK(d::apply_overrides(text, "t.rules", {}, unchanged) == text);
}

TEST_CASE("rule admin methods: reads for responders, changes for admins only", "[daemon][rules_admin][roles]") {
  using d::Role;
  for (const char* method : {"rules.disable", "rules.enable", "rules.threshold", "rules.suppress", "rules.unsuppress"}) {
    CHECK(d::allowed(Role::admin, method));
    CHECK_FALSE(d::allowed(Role::responder, method));
    CHECK_FALSE(d::allowed(Role::auditor, method));
  }
  for (const char* method : {"rules.list", "rules.show", "rules.suppressions", "rules.stats"}) {
    CHECK(d::allowed(Role::responder, method));
    CHECK(d::allowed(Role::admin, method));
  }
}

TEST_CASE("vigil rules disable, enable, threshold and suppress tune a live vigild and survive a restart",
          "[daemon][rules_admin][live][root][integration]") {
  if (::geteuid() != 0) {
    WARN("live capture needs root (CI runs as root): skipped");
    return;
  }
  t::LiveDaemon live(signature(kSidA, "VIGIL-TA") + signature(kSidB, "VIGIL-TB") + signature(kSidC, "VIGIL-TC") +
                         signature(kSidD, "VIGIL-TD") +
                         "alert udp any any -> $HOME_NET 9998 (msg:\"home\"; content:\"VIGIL-TE\"; sid:9999205;)\n",
                     {}, "");
  // Only the test's datagrams, and a responder mapped by uid who can reach the socket.
  REQUIRE(live.daemon->stop() == 0);
  std::string yaml = t::read_file(live.dir.file("vigil.yaml"));
  const std::string sensor_line = "interface: " + live.net.if_b() + "}";
  yaml.replace(yaml.find(sensor_line), sensor_line.size(), "interface: " + live.net.if_b() + ", bpf: \"udp dst port 9999\"}");
  const std::string control_line = "control: {socket: control.sock}\n";
  yaml.replace(yaml.find(control_line), control_line.size(),
               "control:\n  socket: control.sock\n  socket_mode: 0666\n  roles:\n    - {uid: " +
                   std::to_string(kResponderUid) + ", role: responder}\n");
  t::write_file(live.dir.file("vigil.yaml"), yaml);
  std::filesystem::permissions(live.dir.path(), std::filesystem::perms(0755));
  // A second source address in namespace a.
  const std::string other = "10.199.0.3";
  REQUIRE(vigil::sensors::test::run_quiet("ip -n " + live.net.ns_a() + " addr add " + other + "/24 dev " + live.net.if_a()));
  const std::string self = vigil::sensors::test::VethPair::addr_a();
  live.start();
  INFO(live.log());
  REQUIRE(live.daemon->started());
  auto client = std::make_unique<t::ControlClient>(live.dir.file("control.sock"));
  auto sensor = [&] { return client->call("status")["result"]["sensors"][0]; };
  auto stored = [&](uint32_t sid) {
    return client->call("alerts.list", {{"sid", sid}, {"limit", 1000}})["result"]["alerts"].size();
  };
  auto send = [&](const std::string& from, const std::string& payload, int count = 1) {
    send_from(live, from, payload, count);
  };
  // One worker handles the datagrams in order: once a marker sent last is stored, every alert the
  // datagrams before it raised has been counted.
  auto marker_stored = [&](size_t a_alerts) {
    send(self, "VIGIL-TA");
    return t::eventually([&] { return stored(kSidA) == a_alerts; });
  };

  // The capture is open once a datagram is counted.
  REQUIRE(t::eventually([&] {
    send(self, "warm-up");
    return sensor()["packets"] > 0;
  }));

  // What the rule files hold, where each rule came from.
  const json a = rule_row(live, kSidA);
  CHECK(a["state"] == "enabled");
  CHECK(a["file"] == live.dir.file("rules/live.rules"));
  CHECK(a["line"] == 1);
  CHECK(a["msg"] == "tune 9999201");
  CHECK(rule_row(live, kSidD)["line"] == 4);
  const json home = json_of(vigil_cli(live, {"rules", "show", "9999205", "--json"}));
  REQUIRE(home["variables"].size() == 1);
  CHECK(home["variables"][0] == json{{"name", "$HOME_NET"}, {"value", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]"}});

  // disable: A stops alerting, B still does; enable brings A back.
  auto disabled = vigil_cli(live, {"rules", "disable", std::to_string(kSidA), "--reason", "noisy in the lab"});
  INFO(disabled.out << disabled.err);
  REQUIRE(disabled.exit_code == 0);
  CHECK_THAT(disabled.out, Catch::Contains("vigild recompiled its rules"));
  const uint64_t alerts_before = sensor()["alerts"];
  send(self, "VIGIL-TA", 3);
  send(self, "VIGIL-TB");
  REQUIRE(t::eventually([&] { return stored(kSidB) == 1; }));
  CHECK(sensor()["alerts"] == alerts_before + 1);
  CHECK(stored(kSidA) == 0);
  json row = rule_row(live, kSidA);
  CHECK(row["state"] == "disabled");
  CHECK(row["overrides"]["disabled"]["reason"] == "noisy in the lab");
  CHECK(row["overrides"]["disabled"]["actor"] == "root");
  const auto table = vigil_cli(live, {"rules", "list", "--disabled"});
  CHECK(table.exit_code == 0);
  CHECK_THAT(table.out, Catch::Contains("9999201") && Catch::Contains("disabled") && !Catch::Contains("9999202"));

  REQUIRE(vigil_cli(live, {"rules", "enable", std::to_string(kSidA)}).exit_code == 0);
  send(self, "VIGIL-TA");
  REQUIRE(t::eventually([&] { return stored(kSidA) == 1; }));
  CHECK(rule_row(live, kSidA)["state"] == "enabled");

  // threshold: at most one B alert per source an hour.
  REQUIRE(vigil_cli(live, {"rules", "threshold", std::to_string(kSidB), "--type", "limit", "--track", "by_src",
                           "--count", "1", "--seconds", "3600", "--reason", "one per host an hour"})
              .exit_code == 0);
  const uint64_t before_threshold = sensor()["alerts"];
  send(self, "VIGIL-TB", 5);
  REQUIRE(marker_stored(2));
  CHECK(sensor()["alerts"] == before_threshold + 2);
  CHECK(stored(kSidB) == 2);
  CHECK(rule_row(live, kSidB)["overrides"]["threshold"]["count"] == 1);

  // suppress C from the other source only: its alerts are counted, not stored; ours still are.
  const auto suppressed = vigil_cli(live, {"rules", "suppress", std::to_string(kSidC), "--src", other + "/32",
                                           "--reason", "vulnerability scanner", "--owner", "lan", "--expires", "7d"});
  INFO(suppressed.out << suppressed.err);
  REQUIRE(suppressed.exit_code == 0);
  send(other, "VIGIL-TC", 3);
  send(self, "VIGIL-TC", 2);
  REQUIRE(t::eventually([&] { return stored(kSidC) == 2; }));
  const json listed = json_of(vigil_cli(live, {"rules", "suppress", "--list", "--json"}));
  REQUIRE(listed["suppressions"].size() == 1);
  CHECK(listed["suppressions"][0]["suppressed"] == 3);
  CHECK(listed["suppressions"][0]["state"] == "active");
  CHECK(listed["suppressions"][0]["owner"] == "lan");
  for (const auto& alert : client->call("alerts.list", {{"sid", kSidC}})["result"]["alerts"]) CHECK(alert["src_ip"] == self);
  CHECK(client->call("status")["result"]["tuning"]["suppressed_alerts"] == 3);
  const json shown = json_of(vigil_cli(live, {"rules", "show", std::to_string(kSidC), "--json"}));
  CHECK(shown["suppressions"][0]["reason"] == "vulnerability scanner");
  CHECK(shown["text"] == vigil::test::split_lines(signature(kSidC, "VIGIL-TC"))[0]);
  const auto show_text = vigil_cli(live, {"rules", "show", std::to_string(kSidA)});
  CHECK_THAT(show_text.out, Catch::Contains("live.rules:1") && Catch::Contains("enabled"));
  CHECK(shown["hits"] == 5);
  CHECK(shown["suppressed"] == 3);

  // A suppression that expires: D from us is dropped until then, stored after, with no reload.
  const json expiring = client->call(
      "rules.suppress", {{"sid", kSidD}, {"track", "by_src"}, {"network", self}, {"reason", "maintenance window"},
                         {"owner", "lan"}, {"expires", vigil::format_timestamp(vigil::SystemClock().now() + vigil::seconds(5))}});
  REQUIRE(expiring.contains("result"));
  send(self, "VIGIL-TD");
  REQUIRE(t::eventually([&] { return client->call("rules.show", {{"sid", kSidD}})["result"]["suppressed"] == 1; }));
  CHECK(stored(kSidD) == 0);
  REQUIRE(t::eventually([&] {
    return client->call("rules.show", {{"sid", kSidD}})["result"]["suppressions"][0]["state"] == "expired";
  }));
  send(self, "VIGIL-TD");
  REQUIRE(t::eventually([&] { return stored(kSidD) == 1; }));
  const auto expired_table = vigil_cli(live, {"rules", "suppress", "--list"});
  CHECK_THAT(expired_table.out, Catch::Contains("expired") && Catch::Contains("maintenance window"));

  // Bad input: a clear message and exit code, nothing changed.
  auto unknown = vigil_cli(live, {"rules", "disable", "12345", "--reason", "x"});
  CHECK(unknown.exit_code == 1);
  CHECK_THAT(unknown.err, Catch::Contains("no such rule: sid 12345"));
  auto no_reason = vigil_cli(live, {"rules", "disable", std::to_string(kSidA)});
  CHECK(no_reason.exit_code == 2);
  CHECK_THAT(no_reason.err, Catch::Contains("--reason"));
  auto bad_cidr = vigil_cli(live, {"rules", "suppress", std::to_string(kSidC), "--src", "10.1.2.300/8", "--reason",
                                   "x", "--owner", "y", "--expires", "1d"});
  CHECK(bad_cidr.exit_code == 2);
  CHECK_THAT(bad_cidr.err, Catch::Contains("--src"));
  auto past = vigil_cli(live, {"rules", "suppress", std::to_string(kSidC), "--reason", "x", "--owner", "y", "--expires",
                               "2020-01-01T00:00:00Z"});
  CHECK(past.exit_code == 2);
  CHECK_THAT(past.err, Catch::Contains("in the past"));
  auto no_owner = vigil_cli(live, {"rules", "suppress", std::to_string(kSidC), "--reason", "x", "--expires", "1d"});
  CHECK(no_owner.exit_code == 2);
  const json past_api = client->call("rules.suppress", {{"sid", kSidC}, {"reason", "x"}, {"owner", "y"},
                                                       {"expires", "2020-01-01T00:00:00Z"}});
  CHECK(past_api["error"]["code"] == -32602);

  // A responder may read but not change, and gets the role error.
  const std::string uid = std::to_string(kResponderUid);
  const auto as_responder = [&](std::vector<std::string> args) {
    std::vector<std::string> command = {"/usr/bin/setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", VIGIL_CLI};
    command.insert(command.end(), args.begin(), args.end());
    command.push_back("--socket");
    command.push_back(live.dir.file("control.sock"));
    return t::run_command(command);
  };
  const auto refused = as_responder({"rules", "disable", std::to_string(kSidB), "--reason", "not mine"});
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Catch::Contains("rules.disable needs the role admin") && Catch::Contains("has the role responder"));
  CHECK(as_responder({"rules", "list"}).exit_code == 0);
  CHECK(rule_row(live, kSidB)["state"] == "enabled");

  // Every change is on the audit chain with actor and reason; the refused responder's call is not.
  std::map<std::string, std::vector<json>> audited;
  const json audit = client->call("audit.list", {{"limit", 1000}});
  for (const auto& entry : audit["result"]["entries"]) audited[entry["action"]].push_back(entry);
  REQUIRE(audited["rules.disable"].size() == 1);  // an unknown sid changed nothing and is not on it
  CHECK(audited["rules.disable"][0]["actor"] == "root");
  CHECK(audited["rules.disable"][0]["detail"]["params"]["reason"] == "noisy in the lab");
  CHECK_THAT(audited["rules.disable"][0]["detail"]["outcome"].get<std::string>(), Catch::StartsWith("applied"));
  REQUIRE(audited["rules.enable"].size() == 1);
  REQUIRE(audited["rules.threshold"].size() == 1);
  CHECK(audited["rules.threshold"][0]["detail"]["params"]["reason"] == "one per host an hour");
  REQUIRE(audited["rules.suppress"].size() == 2);
  CHECK(audited["rules.suppress"][0]["detail"]["params"]["owner"] == "lan");
  CHECK(audited["rules.suppress"][0]["detail"]["params"]["reason"] == "vulnerability scanner");

  // Disable D, then restart: every override, suppression and count is still there and in force.
  REQUIRE(vigil_cli(live, {"rules", "disable", std::to_string(kSidD), "--reason", "before restart"}).exit_code == 0);
  const json hits_before = rule_row(live, kSidC);
  REQUIRE(live.daemon->stop() == 0);
  live.start();
  REQUIRE(live.daemon->started());
  client = std::make_unique<t::ControlClient>(live.dir.file("control.sock"));
  REQUIRE(t::eventually([&] {
    send(self, "warm-up");
    return sensor()["packets"] > 0;
  }));
  CHECK(rule_row(live, kSidD)["state"] == "disabled");
  CHECK(rule_row(live, kSidB)["overrides"]["threshold"]["seconds"] == 3600);
  CHECK(rule_row(live, kSidC)["hits"] == hits_before["hits"]);
  send(self, "VIGIL-TD", 2);       // disabled
  send(other, "VIGIL-TC", 2);      // suppressed
  send(other, "VIGIL-TB", 3);      // a new source for the threshold: one alert
  REQUIRE(marker_stored(3));
  CHECK(sensor()["alerts"] == 2 + 1 + 1);
  CHECK(stored(kSidB) == 3);
  REQUIRE(t::eventually([&] {
    return client->call("rules.suppressions")["result"]["suppressions"][0]["suppressed"] == 3 + 2;
  }));
  CHECK(stored(kSidD) == 1);
  CHECK(stored(kSidC) == 2);
  const json stats = json_of(vigil_cli(live, {"rules", "stats", "--since", "1h", "--json"}));
  // C: 3 + 2 + 2 hits, 5 of them suppressed; B: one per threshold window and source, 3; D 2; A 3.
  REQUIRE(stats["noisiest"].size() == 4);
  CHECK(stats["noisiest"][0]["sid"] == kSidC);
  CHECK(stats["noisiest"][0]["hits"] == 7);
  CHECK(stats["noisiest"][0]["suppressed"] == 5);
  REQUIRE(stats["never_fired"].size() == 1);
  CHECK(stats["never_fired"][0]["sid"] == 9999205);
  const auto stats_table = vigil_cli(live, {"rules", "stats"});
  CHECK_THAT(stats_table.out, Catch::Contains("Noisiest rules") && Catch::Contains("tune 9999203"));
  CHECK(live.daemon->stop() == 0);
}

TEST_CASE("vigil rules stats --cost profiles rules on a capture without a daemon", "[daemon][rules_admin]") {
  const auto run = t::run_vigil({"rules", "stats", "--cost", "--pcap", VIGIL_SOURCE_DIR "/samples/sample.pcap",
                                 "--rules", VIGIL_SOURCE_DIR "/config/rules", "--json"});
  const json out = json_of(run);
  CHECK(out["packets"] == 3815);
  REQUIRE(out["cost"].size() == out["rules"].get<size_t>());
  REQUIRE(out["cost"].size() > 10);
  uint64_t previous = UINT64_MAX, checks = 0, matches = 0, total = 0;
  for (const json& row : out["cost"]) {
    CHECK(row["nanoseconds"].get<uint64_t>() <= previous);  // costliest first
    previous = row["nanoseconds"];
    checks += row["checks"].get<uint64_t>();
    matches += row["matches"].get<uint64_t>();
    total += row["nanoseconds"].get<uint64_t>();
    CHECK(row["matches"].get<uint64_t>() <= row["checks"].get<uint64_t>());
  }
  CHECK(checks > 0);
  CHECK(matches > 0);  // the sample holds attacks the default rules catch
  CHECK(total == out["total_nanoseconds"]);
  const auto table = t::run_vigil({"rules", "stats", "--cost", "--pcap", VIGIL_SOURCE_DIR "/samples/sample.pcap",
                                   "--rules", VIGIL_SOURCE_DIR "/config/rules", "--top", "3"});
  CHECK(table.exit_code == 0);
  CHECK(t::split_lines(table.out).size() == 1 + 1 + 3);  // summary, header, three rules
  const auto missing = t::run_vigil({"rules", "stats", "--cost"});
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::Contains("--pcap"));
}

TEST_CASE("a rule change whose set does not compile changes nothing, and an override outlives its rule",
          "[daemon][rules_admin][integration]") {
  t::TempDir dir;
  std::filesystem::create_directories(dir.file("rules"));
  const std::string rules = signature(kSidA, "VIGIL-TA") + signature(kSidB, "VIGIL-TB");
  t::write_file(dir.file("rules/live.rules"), rules);
  t::write_file(dir.file("vigil.yaml"), "data_dir: data\nrules: {paths: [rules]}\ncorrelation: {paths: []}\n"
                                        "control: {socket: control.sock}\n");
  auto daemon = std::make_unique<t::DaemonProcess>(dir.file("vigil.yaml"), dir.file("control.sock"), dir.file("vigild.log"));
  INFO(t::read_file(dir.file("vigild.log")));
  REQUIRE(daemon->started());
  auto client = std::make_unique<t::ControlClient>(dir.file("control.sock"));
  auto state = [&](uint32_t sid) {
    const json listed = client->call("rules.list", {{"sid", sid}});
    return listed["result"]["rules"].empty() ? std::string("absent") : listed["result"]["rules"][0]["state"].get<std::string>();
  };

  // A syntax error in the files: the disable is refused, the rule keeps running, nothing is stored.
  t::write_file(dir.file("rules/live.rules"), rules + "alert udp any any -> any 1 (msg:\"broken\"; content:; sid:5;)\n");
  const json refused = client->call("rules.disable", {{"sids", {kSidA}}, {"reason", "noisy"}});
  REQUIRE(refused.contains("error"));
  CHECK(refused["error"]["code"] == -32005);
  CHECK_THAT(refused["error"]["message"].get<std::string>(), Catch::Contains("the running rules stay"));
  CHECK(state(kSidA) == "enabled");
  CHECK(client->call("status")["result"]["tuning"]["disabled"] == 0);
  const json audit = client->call("audit.list");
  REQUIRE(audit["result"]["entries"].size() == 1);
  CHECK_THAT(audit["result"]["entries"][0]["detail"]["outcome"].get<std::string>(), Catch::StartsWith("refused: "));

  // Fixed: the disable runs. Then the rule leaves the files: its override stays, as no such rule.
  t::write_file(dir.file("rules/live.rules"), rules);
  REQUIRE(client->call("rules.disable", {{"sids", {kSidA}}, {"reason", "noisy"}})["result"]["changed"] == true);
  t::write_file(dir.file("rules/live.rules"), signature(kSidB, "VIGIL-TB"));
  REQUIRE(client->call("rules.reload")["result"]["reloaded"] == true);
  CHECK(state(kSidA) == "no_such_rule");
  REQUIRE(daemon->stop() == 0);
  daemon = std::make_unique<t::DaemonProcess>(dir.file("vigil.yaml"), dir.file("control.sock"), dir.file("vigild.log"));
  REQUIRE(daemon->started());
  client = std::make_unique<t::ControlClient>(dir.file("control.sock"));
  CHECK(state(kSidA) == "no_such_rule");
  CHECK(client->call("rules.show", {{"sid", kSidA}})["result"]["overrides"]["disabled"]["reason"] == "noisy");
  // Back in the files, it is still disabled; enable clears it.
  t::write_file(dir.file("rules/live.rules"), rules);
  REQUIRE(client->call("rules.reload")["result"]["reloaded"] == true);
  CHECK(state(kSidA) == "disabled");
  REQUIRE(client->call("rules.enable", {{"sids", {kSidA}}})["result"]["changed"] == true);
  CHECK(state(kSidA) == "enabled");
  const auto listed = t::run_vigil({"rules", "list", "--overridden", "--socket", dir.file("control.sock")});
  CHECK(listed.exit_code == 0);
  CHECK_THAT(listed.out, Catch::Contains("No rules match."));
  CHECK(daemon->stop() == 0);
}
