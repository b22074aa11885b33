// Reloads as an operator runs them on a live daemon: `correlation.reload` (and SIGHUP) swaps in new
// correlation rules and policy while open incidents keep collecting matches, and a broken set leaves
// the running one with the reason in the reply, `status` and the audit chain; `rules.reload` issued
// again and again under steady traffic loses no packet (the sensor's counters match what was sent)
// and a broken signature set leaves the old rules alerting.
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>

#include "ops_test_support.h"
#include "roles.h"

using nlohmann::json;
namespace t = vigil::test;

namespace {

std::string correlation_rule(const std::string& id, int sid) {
  return "id: " + id + "\ntitle: \"" + id + " from {src_ip}\"\ntype: single\n"
         "match: {event_type: alert, alert.signature_id: " + std::to_string(sid) + "}\n"
         "group_by: [src_ip]\nseverity: medium\n";
}

std::string signature(int sid, const std::string& content) {
  return "alert udp any any -> any 9999 (msg:\"reload " + std::to_string(sid) + "\"; content:\"" + content +
         "\"; sid:" + std::to_string(sid) + "; rev:1;)\n";
}

// rule_id -> event_count of the listed incidents.
std::map<std::string, int> incidents_by_rule(t::ControlClient& client) {
  std::map<std::string, int> out;
  const json listed = client.call("incidents.list");  // the loop must not walk a temporary
  for (const auto& incident : listed["result"]["incidents"]) {
    out[incident["rule_id"]] = incident["event_count"];
  }
  return out;
}

}  // namespace

TEST_CASE("correlation.reload is for admins only", "[daemon][reload][roles]") {
  using vigil::daemon::Role;
  CHECK(vigil::daemon::allowed(Role::admin, "correlation.reload"));
  for (Role role : {Role::responder, Role::auditor, Role::liaison, Role::none}) {
    CHECK_FALSE(vigil::daemon::allowed(role, "correlation.reload"));
  }
}

TEST_CASE("correlation.reload and SIGHUP swap correlation rules under a live sensor and a broken set keeps the old",
          "[daemon][reload][live][root][integration]") {
  if (::geteuid() != 0) {
    WARN("live capture needs root (CI runs as root): skipped");
    return;
  }
  t::LiveDaemon live(signature(9999961, "VIGIL-RL-A") + signature(9999962, "VIGIL-RL-B") +
                         signature(9999963, "VIGIL-RL-C"),
                     {{"a.yml", correlation_rule("corr-a", 9999961)}}, "");
  INFO(live.log());
  REQUIRE(live.daemon->started());
  t::ControlClient client(live.dir.file("control.sock"));
  auto alerts = [&](int sid) {
    return client.call("alerts.list", {{"sid", sid}, {"limit", 1000}})["result"]["alerts"].size();
  };

  live.send("VIGIL-RL-A");
  live.send("VIGIL-RL-B");
  REQUIRE(t::eventually([&] { return alerts(9999961) == 1 && alerts(9999962) == 1; }));
  REQUIRE(t::eventually([&] { return incidents_by_rule(client) == std::map<std::string, int>{{"corr-a", 1}}; }));

  // A new rule for B: loaded off the pipeline, swapped in; corr-a's incident stays open and deduplicating.
  t::write_file(live.dir.file("correlation/b.yml"), correlation_rule("corr-b", 9999962));
  const json reloaded = client.call("correlation.reload");
  INFO(reloaded.dump());
  REQUIRE(reloaded["result"]["reloaded"] == true);
  CHECK_THAT(reloaded["result"]["summary"].get<std::string>(), Catch::Contains("2 correlation rules"));
  json correlation = client.call("status")["result"]["correlation"];
  CHECK(correlation["loaded"] == 2);
  CHECK(correlation["reloads"] == 1);
  CHECK(correlation["last_reload_error"] == "");
  live.send("VIGIL-RL-B");
  live.send("VIGIL-RL-A");
  REQUIRE(t::eventually([&] {
    return incidents_by_rule(client) == std::map<std::string, int>{{"corr-a", 2}, {"corr-b", 1}};
  }));

  // A broken file: refused with its name, the two running rules keep working.
  t::write_file(live.dir.file("correlation/c.yml"), "id: corr-c\ntype: no_such_type\nmatch: {event_type: alert}\n");
  const json refused = client.call("correlation.reload");
  REQUIRE(refused.contains("error"));
  CHECK(refused["error"]["code"] == -32005);
  CHECK_THAT(refused["error"]["message"].get<std::string>(), Catch::Contains("c.yml"));
  CHECK_THAT(refused["error"]["message"].get<std::string>(), Catch::Contains("running rules and policy stay"));
  correlation = client.call("status")["result"]["correlation"];
  CHECK(correlation["loaded"] == 2);
  CHECK(correlation["reloads"] == 1);
  CHECK_THAT(correlation["last_reload_error"].get<std::string>(), Catch::Contains("c.yml"));
  live.send("VIGIL-RL-B");
  REQUIRE(t::eventually([&] {
    return incidents_by_rule(client) == std::map<std::string, int>{{"corr-a", 2}, {"corr-b", 2}};
  }));

  // SIGHUP reloads correlation too once the file is fixed.
  t::write_file(live.dir.file("correlation/c.yml"), correlation_rule("corr-c", 9999963));
  live.daemon->signal(SIGHUP);
  REQUIRE(t::eventually([&] { return client.call("status")["result"]["correlation"]["reloads"] == 2; }));
  CHECK(client.call("status")["result"]["correlation"]["loaded"] == 3);
  live.send("VIGIL-RL-C");
  REQUIRE(t::eventually([&] { return incidents_by_rule(client).count("corr-c") == 1; }));

  // Both calls are on the audit chain with their outcome.
  std::vector<std::string> outcomes;
  const json audit = client.call("audit.list");
  for (const auto& entry : audit["result"]["entries"]) {
    if (entry["action"] == "correlation.reload") outcomes.push_back(entry["detail"]["outcome"]);
  }
  REQUIRE(outcomes.size() == 2);
  CHECK_THAT(outcomes[0], Catch::Contains("loaded"));
  CHECK_THAT(outcomes[1], Catch::StartsWith("refused: "));
  CHECK(live.daemon->stop() == 0);
}

TEST_CASE("rules.reload again and again under live traffic loses no packet and a broken set leaves the old one alerting",
          "[daemon][reload][live][root][integration]") {
  if (::geteuid() != 0) {
    WARN("live capture needs root (CI runs as root): skipped");
    return;
  }
  // Only the test's datagrams pass the filter, so the sensor's packet counter is exactly what was sent.
  t::LiveDaemon live(signature(9999971, "VIGIL-LOAD"), {},
                     "");
  REQUIRE(live.daemon->stop() == 0);
  const std::string yaml = t::read_file(live.dir.file("vigil.yaml"));
  const std::string sensor_line = "interface: " + live.net.if_b() + "}";
  REQUIRE(yaml.find(sensor_line) != std::string::npos);
  std::string filtered = yaml;
  filtered.replace(yaml.find(sensor_line), sensor_line.size(),
                   "interface: " + live.net.if_b() + ", bpf: \"udp dst port 9999\"}");
  t::write_file(live.dir.file("vigil.yaml"), filtered);
  live.start();
  INFO(live.log());
  REQUIRE(live.daemon->started());
  t::ControlClient client(live.dir.file("control.sock"));
  auto sensor = [&] { return client.call("status")["result"]["sensors"][0]; };

  // One datagram first: the capture is open once it is counted.
  live.send("VIGIL-LOAD");
  REQUIRE(t::eventually([&] { return sensor()["packets"] == 1; }));

  constexpr int kPackets = 3000;
  std::atomic<bool> sending{true};
  std::thread sender([&] {
    vigil::sensors::test::InNetns inside(live.net.ns_a());
    for (int i = 0; i < kPackets; ++i) {
      t::send_udp(vigil::sensors::test::VethPair::addr_b(), 9999, "VIGIL-LOAD " + std::to_string(i));
      std::this_thread::sleep_for(std::chrono::microseconds(500));  // steady traffic across the reloads
    }
    sending = false;
  });
  std::string rules = signature(9999971, "VIGIL-LOAD");
  int reloads = 0;
  while (sending || reloads < 5) {
    rules += signature(9999980 + reloads, "VIGIL-NEW-" + std::to_string(reloads));
    t::write_file(live.dir.file("rules/live.rules"), rules);
    const json reply = client.call("rules.reload");
    INFO(reply.dump());
    REQUIRE(reply["result"]["reloaded"] == true);
    ++reloads;
  }
  sender.join();
  CHECK(client.call("status")["result"]["rules"]["loaded"] == 1 + reloads);

  REQUIRE(t::eventually([&] { return sensor()["packets"] == 1 + kPackets; }));
  REQUIRE(t::eventually([&] { return sensor()["alerts"] == 1 + kPackets; }));
  json s = sensor();
  CHECK(s["kernel_drops"] == 0);
  CHECK(s["interface_drops"] == 0);
  CHECK(s["queue_drops"] == 0);
  CHECK(client.call("status")["result"]["pipeline"]["queue_drops"] == 0);

  // A broken rule: refused, and the running set (with every rule so far) keeps alerting.
  t::write_file(live.dir.file("rules/live.rules"), rules + "alert udp any any -> any 9999 (msg:\"broken\"; content:; sid:1;)\n");
  const json refused = client.call("rules.reload");
  REQUIRE(refused.contains("error"));
  CHECK_THAT(refused["error"]["message"].get<std::string>(), Catch::Contains("the running rules stay"));
  CHECK(client.call("status")["result"]["rules"]["loaded"] == 1 + reloads);
  live.send("VIGIL-LOAD VIGIL-NEW-0", 10);
  REQUIRE(t::eventually([&] { return sensor()["packets"] == 1 + kPackets + 10; }));
  REQUIRE(t::eventually([&] { return sensor()["alerts"] == 1 + kPackets + 20; }));
  CHECK(client.call("alerts.list", {{"sid", 9999980}})["result"]["alerts"].size() == 10);
  CHECK(sensor()["kernel_drops"] == 0);
  CHECK(live.daemon->stop() == 0);
}
