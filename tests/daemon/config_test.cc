// The daemon's config: every problem named with file, line and field; defaults and relative paths.
#include <catch2/catch.hpp>

#include "config.h"
#include "config_check.h"
#include "roles.h"
#include "run_command.h"

#include <sstream>

using namespace vigil::daemon;

namespace {

bool has_issue(const std::vector<ConfigIssue>& issues, int line, const std::string& field, const std::string& words) {
  for (const auto& issue : issues) {
    if (issue.line == line && issue.field == field && issue.message.find(words) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("config: every problem is reported with its line and field, not only the first", "[daemon][config]") {
  const std::string yaml =
      "data_dir: /tmp/x\n"                       // 1
      "sensors:\n"                               // 2
      "  - name: wan\n"                          // 3
      "    interface: eth0\n"                    // 4
      "    snaplen: lots\n"                      // 5
      "  - name: wan\n"                          // 6
      "    interface: eth1\n"                    // 7
      "    promiscuous: maybe\n"                 // 8
      "control:\n"                               // 9
      "  roles:\n"                               // 10
      "    - {uid: 1001, role: boss}\n"          // 11
      "    - {role: auditor}\n"                  // 12
      "retention:\n"                             // 13
      "  flow_days: 30\n"                        // 14
      "correlation:\n"                           // 15
      "  late_allowance: sixty\n"                // 16
      "colour: blue\n";                          // 17
  std::vector<ConfigIssue> issues;
  auto config = parse_config(yaml, "/etc/vigil/vigil.yaml", issues);
  REQUIRE(config);
  CHECK(has_issue(issues, 5, "sensors[0].snaplen", "not 'lots'"));
  CHECK(has_issue(issues, 6, "sensors[1].name", "already named 'wan'"));
  CHECK(has_issue(issues, 8, "sensors[1].promiscuous", "true or false"));
  CHECK(has_issue(issues, 11, "control.roles[0].role", "responder"));
  CHECK(has_issue(issues, 12, "control.roles[1]", "uid or gid"));
  CHECK(has_issue(issues, 14, "retention.flow_days", "from 90"));
  CHECK(has_issue(issues, 16, "correlation.late_allowance", "not 'sixty'"));
  CHECK(has_issue(issues, 17, "colour", "unknown key"));
  CHECK(issues.size() == 8);
  CHECK(to_string(issues.front()).rfind("/etc/vigil/vigil.yaml:", 0) == 0);
}

TEST_CASE("config: broken YAML is an error naming file and line", "[daemon][config]") {
  std::vector<ConfigIssue> issues;
  auto config = parse_config("sensors:\n  - name: [unclosed\n", "v.yaml", issues);
  REQUIRE_FALSE(config);
  CHECK(config.error().message.rfind("v.yaml:", 0) == 0);
}

TEST_CASE("config: an empty file gives the documented defaults, relative paths follow the file", "[daemon][config]") {
  std::vector<ConfigIssue> issues;
  auto config = parse_config("", "/etc/vigil/vigil.yaml", issues);
  REQUIRE(config);
  CHECK(issues.empty());
  CHECK(config->data_dir == "/var/lib/vigil");
  CHECK(config->rule_paths == std::vector<std::string>{"/etc/vigil/rules"});
  CHECK(config->correlation_paths == std::vector<std::string>{"/etc/vigil/correlation"});
  CHECK(config->control.socket == "/run/vigil/control.sock");
  CHECK(config->control.socket_mode == 0660);
  CHECK(config->retention.alert_days == 365);
  CHECK(config->sensors.empty());
}

TEST_CASE("config: sensors, variables and role mappings are read as written", "[daemon][config]") {
  SECTION("stream settings default to Suricata's: no midstream pickup, both directions seen") {
    std::vector<ConfigIssue> none;
    auto plain = parse_config("sensors:\n  - {name: a, interface: eth0}\n", "v.yaml", none);
    REQUIRE(plain);
    REQUIRE(plain->sensors.size() == 1);
    CHECK_FALSE(plain->sensors[0].midstream);
    CHECK_FALSE(plain->sensors[0].async_oneside);
    CHECK(plain->sensors[0].workers == 1);
    CHECK(plain->sensors[0].app_events.empty());
  }
  SECTION("app_events names the protocols whose transactions become events; others are issues with their line") {
    std::vector<ConfigIssue> none;
    auto chosen = parse_config("sensors:\n  - {name: a, interface: eth0, app_events: [dns, tls]}\n", "v.yaml", none);
    REQUIRE(chosen);
    CHECK(none.empty());
    CHECK(chosen->sensors[0].app_events == std::vector<std::string>{"dns", "tls"});
    std::vector<ConfigIssue> issues;
    (void)parse_config("sensors:\n  - name: a\n    interface: eth0\n    app_events: [dns, smb]\n", "v.yaml", issues);
    REQUIRE(issues.size() == 1);
    CHECK(issues[0].field == "sensors[0].app_events");
    CHECK(issues[0].line == 4);
    CHECK(issues[0].message.find("'smb'") != std::string::npos);
  }
  std::vector<ConfigIssue> issues;
  auto config = parse_config(
      "sensors:\n  - {name: dc-1, zone: datacenter, interface: ens5, snaplen: 1514, buffer_mb: 64, bpf: 'tcp',"
      " promiscuous: false, workers: 4, midstream: true, async_oneside: true}\n"
      "rules:\n  variables:\n    HOME_NET: [10.0.0.0/8, 192.168.0.0/16]\n"
      "control:\n  socket_mode: 0600\n  default_role: auditor\n  roles:\n    - {gid: 2001, role: responder}\n",
      "/srv/v.yaml", issues);
  REQUIRE(config);
  CHECK(issues.empty());
  REQUIRE(config->sensors.size() == 1);
  CHECK(config->sensors[0].zone == "datacenter");
  CHECK(config->sensors[0].snaplen == 1514);
  CHECK(config->sensors[0].buffer_mb == 64);
  CHECK_FALSE(config->sensors[0].promiscuous);
  CHECK(config->sensors[0].workers == 4);
  CHECK(config->sensors[0].midstream);
  CHECK(config->sensors[0].async_oneside);
  CHECK(config->rule_variables.at("HOME_NET") == "[10.0.0.0/8,192.168.0.0/16]");
  CHECK(config->control.socket_mode == 0600);
  CHECK(role_for(config->control, 1234, 2001) == Role::responder);
  CHECK(role_for(config->control, 1234, 1234) == Role::auditor);
  CHECK(role_for(config->control, 0, 0) == Role::admin);
}

TEST_CASE("roles: admin may do what a responder may, the auditor only reads", "[daemon][roles]") {
  for (const char* method : {"incidents.ack", "incidents.assign", "incidents.resolve", "incidents.escalate"}) {
    CHECK(allowed(Role::responder, method));
    CHECK(allowed(Role::admin, method));
    CHECK_FALSE(allowed(Role::auditor, method));
    CHECK_FALSE(allowed(Role::liaison, method));
  }
  CHECK(allowed(Role::auditor, "audit.verify"));
  CHECK_FALSE(allowed(Role::responder, "audit.list"));
  CHECK(allowed(Role::admin, "rules.reload"));
  CHECK_FALSE(allowed(Role::responder, "rules.reload"));
  CHECK_FALSE(allowed(Role::none, "status"));
}

TEST_CASE("vigild --check-config passes the shipped config/vigil.yaml", "[daemon][config][integration]") {
  const auto r = vigil::test::run_command({VIGILD, "--check-config", VIGIL_SOURCE_DIR "/config/vigil.yaml"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("configuration OK") != std::string::npos);
}

TEST_CASE("vigild --check-config lists every problem and exits 2", "[daemon][config][integration]") {
  vigil::test::TempDir dir;
  vigil::test::write_file(dir.file("vigil.yaml"),
                          "sensors:\n  - interface: eth0\nrules:\n  paths: [missing-rules]\n"
                          "layers:\n  escalate_severity: extreme\n");
  const auto r = vigil::test::run_command({VIGILD, "--check-config", dir.file("vigil.yaml")});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("vigil.yaml:2: sensors[0].name: is required") != std::string::npos);
  CHECK(r.out.find("vigil.yaml:6: layers.escalate_severity") != std::string::npos);
  CHECK(r.out.find("rules.paths: ") != std::string::npos);
  CHECK(r.out.find("missing-rules") != std::string::npos);
}

TEST_CASE("vigild refuses to start on a bad config and says how to list the problems", "[daemon][config][integration]") {
  vigil::test::TempDir dir;
  vigil::test::write_file(dir.file("vigil.yaml"), "retention:\n  audit_days: 7\n");
  const auto r = vigil::test::run_command({VIGILD, "--config", dir.file("vigil.yaml")});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("vigil.yaml:2: retention.audit_days") != std::string::npos);
  CHECK(r.err.find("--check-config") != std::string::npos);
}
