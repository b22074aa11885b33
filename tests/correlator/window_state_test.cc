// Correlation windows saved through StateStore and restored on restart.
#include <catch2/catch.hpp>

#include "correlator/test_support.h"
#include "vigil/correlator/correlator.h"
#include "vigil/correlator/rule_loader.h"
#include "vigil/storage/rocks_store.h"

using namespace vigil;
using namespace vigil::correlator;
using vigil::test::alert_event;
using vigil::test::FakeIncidentStore;
using vigil::test::FakeStateStore;
using vigil::test::flow_event;
using vigil::test::rules_from;

namespace {

std::string ssh_rule(const std::string& timespan = "120s") {
  return "id: ssh-bruteforce\ntitle: \"SSH brute force from {src_ip}\"\ntype: event_count\n"
         "match: {event_type: flow, dest_port: 22}\ngroup_by: [src_ip, dest_ip]\ntimespan: " + timespan +
         "\ncondition: {gte: 10}\nseverity: high\n";
}

const std::string kScan =
    "id: port-scan\ntitle: \"Port scan from {src_ip}\"\ntype: value_count\nmatch: {event_type: flow}\n"
    "group_by: [src_ip]\ntimespan: 60s\ncondition: {gte: 25, field: dest_port}\nseverity: high\n";

const std::string kChain =
    "id: recon\ntitle: t\ntype: value_count\nmatch: {event_type: flow}\ngroup_by: [src_ip]\ntimespan: 1m\n"
    "condition: {gte: 3, field: dest_port}\nseverity: low\ngenerate: false\n---\n"
    "id: exploit\ntitle: t\ntype: single\nmatch: {event_type: alert}\ngroup_by: [src_ip]\nseverity: high\n"
    "generate: false\n---\n"
    "id: chain\ntitle: \"chain {src_ip}\"\ntype: temporal_ordered\nrules: [recon, exploit]\ngroup_by: [src_ip]\n"
    "timespan: 10m\nseverity: critical\n";

CorrelatorOptions save_every_flush() {
  CorrelatorOptions options;
  options.state_save_interval = 0;
  return options;
}

// Six SSH connections, a flush (saving the window), a restart, then four more: the tenth must still fire.
void brute_force_across_restart(IncidentStore& incidents, StateStore& state) {
  uint64_t seq = 1;
  {
    Correlator correlator(rules_from(ssh_rule()), incidents, save_every_flush(), &state);
    for (int i = 0; i < 6; ++i) {
      Event e = flow_event(i * 5, "203.0.113.7", "10.0.0.22", 22, seq++);
      REQUIRE(correlator.process(e));
    }
    REQUIRE(correlator.flush());
    CHECK(correlator.stats().incidents_raised == 0);
  }
  Correlator correlator(rules_from(ssh_rule()), incidents, save_every_flush(), &state);
  CHECK(correlator.stats().groups_restored == 1);
  CHECK(correlator.watermark() == vigil::test::at(25));  // the newest event before the restart
  std::string id;
  for (int i = 6; i < 10; ++i) {
    Event e = flow_event(i * 5, "203.0.113.7", "10.0.0.22", 22, seq++);
    REQUIRE(correlator.process(e));
    id = e.incident_id;
  }
  REQUIRE(correlator.flush());
  CHECK(correlator.stats().incidents_raised == 1);
  REQUIRE_FALSE(id.empty());
  auto stored = incidents.get(id);
  REQUIRE(stored);
  REQUIRE(stored->has_value());
  CHECK((*stored)->event_count == 10);
  CHECK((*stored)->events.size() == 10);
  CHECK((*stored)->first_seen == vigil::test::at(0));
}

}  // namespace

TEST_CASE("a restart in the middle of a brute force still raises it (fake state store)", "[correlator][state]") {
  FakeIncidentStore incidents;
  FakeStateStore state;
  brute_force_across_restart(incidents, state);
}

TEST_CASE("a restart in the middle of a brute force still raises it (RocksStore)", "[correlator][state][integration]") {
  vigil::test::TempDir dir;
  FakeIncidentStore incidents;
  {
    auto store = storage::RocksStore::open(dir.path().string(), storage::StoreOptions{});
    REQUIRE(store);
    brute_force_across_restart(incidents, **store);
  }
  // The fired window is gone from the store as well: nothing is left to restore.
  auto store = storage::RocksStore::open(dir.path().string(), storage::StoreOptions{});
  REQUIRE(store);
  Correlator correlator(rules_from(ssh_rule()), incidents, save_every_flush(), store->get());
  CHECK(correlator.stats().groups_restored == 0);
}

TEST_CASE("without a restart in between, the same events give the same incident", "[correlator][state]") {
  FakeIncidentStore incidents;
  FakeStateStore state;
  Correlator correlator(rules_from(ssh_rule()), incidents, save_every_flush(), &state);
  for (int i = 0; i < 9; ++i) {
    Event e = flow_event(i * 5, "203.0.113.7", "10.0.0.22", 22, i + 1);
    REQUIRE(correlator.process(e));
  }
  REQUIRE(correlator.flush());
  CHECK(correlator.stats().incidents_raised == 0);
  CHECK(state.values.count("correlator.windows") == 1);
}

TEST_CASE("distinct-value and temporal windows survive a restart", "[correlator][state]") {
  FakeIncidentStore incidents;
  FakeStateStore state;
  uint64_t seq = 1;
  {
    Correlator correlator(rules_from(kScan + "---\n" + kChain), incidents, save_every_flush(), &state);
    for (uint16_t port = 1; port <= 20; ++port) {
      Event e = flow_event(port, "198.51.100.4", "10.0.0.9", port, seq++);
      REQUIRE(correlator.process(e));
    }
    REQUIRE(correlator.flush());
  }
  Correlator correlator(rules_from(kScan + "---\n" + kChain), incidents, save_every_flush(), &state);
  // port-scan's group, recon's group (ports 19 and 20: it fired and restarted every 3 ports) and chain's
  // group (recon fired) come back.
  CHECK(correlator.stats().groups_restored == 3);
  for (uint16_t port = 18; port <= 25; ++port) {  // 18-20 again: still 20 distinct, then 21..25
    Event e = flow_event(20 + port - 17, "198.51.100.4", "10.0.0.9", port, seq++);
    REQUIRE(correlator.process(e));
  }
  Event alert = alert_event(40, "198.51.100.4", "10.0.0.9", 80, 2001, 1, seq++);
  REQUIRE(correlator.process(alert));
  REQUIRE(correlator.flush());
  auto scans = incidents.of_rule("port-scan");
  REQUIRE(scans.size() == 1);
  CHECK(scans.front().event_count == 25);
  CHECK(incidents.of_rule("chain").size() == 1);
}

TEST_CASE("saved windows of a changed or removed rule are discarded", "[correlator][state]") {
  FakeIncidentStore incidents;
  FakeStateStore state;
  {
    Correlator correlator(rules_from(ssh_rule()), incidents, save_every_flush(), &state);
    for (int i = 0; i < 6; ++i) {
      Event e = flow_event(i, "203.0.113.7", "10.0.0.22", 22, i + 1);
      REQUIRE(correlator.process(e));
    }
    REQUIRE(correlator.flush());
  }
  size_t saved_keys = state.values.size();
  CHECK(saved_keys == 2);  // the manifest and one shard
  Correlator correlator(rules_from(ssh_rule("300s")), incidents, save_every_flush(), &state);
  CHECK(correlator.stats().groups_restored == 0);
  Event e = flow_event(10, "192.0.2.1", "10.0.0.1", 80, 100);
  REQUIRE(correlator.process(e));
  REQUIRE(correlator.save_windows());
  // The old shard was erased; only the manifest remains (no group is open).
  CHECK(state.values.size() == 1);
}

TEST_CASE("damaged saved windows are dropped, correlation goes on", "[correlator][state]") {
  FakeIncidentStore incidents;
  FakeStateStore state;
  state.values["correlator.windows"] = "\x01garbage";
  Correlator correlator(rules_from(ssh_rule()), incidents, save_every_flush(), &state);
  CHECK(correlator.ready());
  CHECK(correlator.stats().groups_restored == 0);
}

TEST_CASE("an unreadable state store delays correlation until it answers", "[correlator][state]") {
  FakeIncidentStore incidents;
  FakeStateStore state;
  state.fail_reads = true;
  Correlator correlator(rules_from(ssh_rule()), incidents, save_every_flush(), &state);
  CHECK_FALSE(correlator.ready());
  Event e = flow_event(0, "203.0.113.7", "10.0.0.22", 22, 1);
  CHECK_FALSE(correlator.process(e));
  state.fail_reads = false;
  CHECK(correlator.process(e));
  CHECK(correlator.ready());
}

TEST_CASE("flush writes only the window shards that changed, once per save interval", "[correlator][state]") {
  FakeIncidentStore incidents;
  FakeStateStore state;
  CorrelatorOptions options;
  options.state_save_interval = seconds(10);
  Correlator correlator(rules_from(ssh_rule()), incidents, options, &state);
  uint64_t seq = 1;
  // 50 sources, one connection each: 50 groups.
  for (int i = 0; i < 50; ++i) {
    Event e = flow_event(0, "203.0.113." + std::to_string(i + 1), "10.0.0.22", 22, seq++);
    REQUIRE(correlator.process(e));
  }
  REQUIRE(correlator.flush());
  const uint64_t first = correlator.stats().window_shards_written;
  CHECK(first > 0);
  CHECK(first <= 50);
  // One more connection from one source, 5 s later: inside the save interval, nothing is written.
  Event e = flow_event(5, "203.0.113.1", "10.0.0.22", 22, seq++);
  REQUIRE(correlator.process(e));
  REQUIRE(correlator.flush());
  CHECK(correlator.stats().window_shards_written == first);
  // 10 s after the last save: only that source's shard is rewritten.
  Event later = flow_event(11, "203.0.113.1", "10.0.0.22", 22, seq++);
  REQUIRE(correlator.process(later));
  REQUIRE(correlator.flush());
  CHECK(correlator.stats().window_shards_written == first + 1);
}
