#include "vigil/correlator/correlator.h"

#include <catch2/catch.hpp>

#include "correlator/test_support.h"
#include "vigil/correlator/rule_loader.h"

using namespace vigil;
using namespace vigil::correlator;
using vigil::test::alert_event;
using vigil::test::at;
using vigil::test::FakeIncidentStore;
using vigil::test::flow_event;
using vigil::test::rules_from;

namespace {

const std::string kSsh =
    "id: ssh-bruteforce\n"
    "title: \"SSH brute force from {src_ip}\"\n"
    "type: event_count\n"
    "match: {event_type: flow, dest_port: 22}\n"
    "group_by: [src_ip]\n"
    "timespan: 60s\n"
    "condition: {gte: 20}\n"
    "severity: high\n";

std::string count_rule(int threshold, const std::string& timespan = "60s") {
  return "id: burst\n"
         "title: \"burst from {src_ip}\"\n"
         "type: event_count\n"
         "match: {event_type: flow}\n"
         "group_by: [src_ip]\n"
         "timespan: " + timespan + "\n"
         "condition: {gte: " + std::to_string(threshold) + "}\n"
         "severity: medium\n";
}

const std::string kScan =
    "id: port-scan\n"
    "title: \"Port scan from {src_ip}: {count} ports\"\n"
    "type: value_count\n"
    "match: {event_type: flow}\n"
    "group_by: [src_ip]\n"
    "timespan: 5m\n"
    "condition: {gte: 5, field: dest_port}\n"
    "severity: medium\n"
    "tlp: green\n";

const std::string kCritical =
    "id: critical-alert\n"
    "title: \"{alert.signature} from {src_ip} on {dest_ip} ({zone}) {{raw}} {no.such}\"\n"
    "type: single\n"
    "match: {event_type: alert, alert.severity: 1}\n"
    "group_by: [src_ip, dest_ip]\n"
    "severity: critical\n"
    "tlp: red\n";

// Feeds events with increasing seq; returns the incident ids the events got.
std::vector<std::string> feed(Correlator& correlator, std::vector<Event> events, uint64_t first_seq = 1) {
  std::vector<std::string> ids;
  for (auto& event : events) {
    if (event.seq == 0) event.seq = first_seq++;
    auto result = correlator.process(event);
    REQUIRE(result);
    ids.push_back(event.incident_id);
  }
  return ids;
}

}  // namespace

TEST_CASE("single: raises an incident with every field set, later matches add to it", "[correlator]") {
  FakeIncidentStore store;
  Correlator correlator(rules_from(kCritical), store, {});
  REQUIRE(correlator.ready());

  auto first = alert_event(10, "203.0.113.9", "10.1.2.3", 445, 2024217, 1, 1);
  REQUIRE(correlator.process(first));
  CHECK(first.incident_id == "INC-000001");
  CHECK(store.incidents.empty());  // buffered until flush
  REQUIRE(correlator.flush());
  REQUIRE(store.incidents.size() == 1);

  const Incident& incident = store.incidents.at("INC-000001");
  CHECK(incident.title == "ET TEST signature 2024217 from 203.0.113.9 on 10.1.2.3 (wan) {raw} -");
  CHECK(incident.severity == Severity::critical);
  CHECK(incident.state == IncidentState::new_);
  CHECK(incident.layer == 2);  // critical: the default policy hands it to layer 2 at once
  CHECK(incident.rule_id == "critical-alert");
  CHECK(incident.group_key == "src_ip=203.0.113.9,dest_ip=10.1.2.3");
  CHECK(incident.first_seen == at(10));
  CHECK(incident.last_seen == at(10));
  CHECK(incident.event_count == 1);
  CHECK(incident.events == std::vector<EventRef>{first.ref()});
  CHECK(incident.observables == std::vector<Observable>{{"ip", "203.0.113.9"}, {"ip", "10.1.2.3"}, {"port", "445"}});
  CHECK(incident.tlp == "red");
  REQUIRE(incident.timeline.size() == 2);
  CHECK(incident.timeline[0].time == at(10));
  CHECK(incident.timeline[0].actor == "correlator");
  CHECK(incident.timeline[0].what == "raised by rule critical-alert: 1 event for src_ip=203.0.113.9,dest_ip=10.1.2.3");
  CHECK(incident.timeline[1].actor == "policy");
  CHECK(incident.timeline[1].what == "escalated from layer 1 to layer 2: severity critical goes to layer 2 at once");
  CHECK(incident.category == "unauthorized_access");  // from the alert's classification
  // Critical is serious under the default policy: the layer-4 report clock runs from the first event.
  CHECK(incident.report_required);
  CHECK(incident.report.detected_at == at(10));
  CHECK(incident.report.initial_due == at(10) + hours(24));
  CHECK(incident.report.full_due == at(10) + hours(72));

  // Same rule and group: added to the open incident, with its new port as an observable.
  auto second = alert_event(20, "203.0.113.9", "10.1.2.3", 139, 2024217, 1, 2);
  REQUIRE(correlator.process(second));
  CHECK(second.incident_id == "INC-000001");
  // Another destination is another group: a new incident.
  auto other = alert_event(21, "203.0.113.9", "10.1.2.4", 445, 2024217, 1, 3);
  REQUIRE(correlator.process(other));
  CHECK(other.incident_id == "INC-000002");
  // Not matched (severity 2): untouched.
  auto mild = alert_event(22, "203.0.113.9", "10.1.2.3", 445, 2024217, 2, 4);
  REQUIRE(correlator.process(mild));
  CHECK(mild.incident_id.empty());

  REQUIRE(correlator.flush());
  CHECK(store.incidents.size() == 2);
  const Incident& updated = store.incidents.at("INC-000001");
  CHECK(updated.event_count == 2);
  CHECK(updated.last_seen == at(20));
  CHECK(updated.events == std::vector<EventRef>{first.ref(), second.ref()});
  CHECK(updated.observables.back() == Observable{"port", "139"});
  CHECK(updated.timeline.size() == 2);

  auto stats = correlator.stats();
  CHECK(stats.events_seen == 4);
  CHECK(stats.events_matched == 3);
  CHECK(stats.incidents_raised == 2);
  CHECK(stats.incident_updates == 1);
  CHECK(stats.incidents_written == 3);
  CHECK(stats.pending_writes == 0);
  CHECK(stats.open_incidents == 2);
  REQUIRE(stats.rules.size() == 1);
  CHECK(stats.rules[0].rule_id == "critical-alert");
  CHECK(stats.rules[0].matched == 3);
}

TEST_CASE("event_count fires exactly at the threshold, not below", "[correlator][window]") {
  FakeIncidentStore store;
  Correlator correlator(rules_from(kSsh), store, {});
  std::vector<Event> events;
  for (int i = 0; i < 19; ++i) events.push_back(flow_event(i, "198.51.100.7", "10.0.0.5", 22));
  auto ids = feed(correlator, events);
  CHECK(std::all_of(ids.begin(), ids.end(), [](const auto& id) { return id.empty(); }));
  REQUIRE(correlator.flush());
  CHECK(store.incidents.empty());
  CHECK(correlator.stats().active_groups == 1);

  auto twentieth = flow_event(19, "198.51.100.7", "10.0.0.5", 22, 20);
  REQUIRE(correlator.process(twentieth));
  CHECK(twentieth.incident_id == "INC-000001");
  REQUIRE(correlator.flush());
  REQUIRE(store.incidents.size() == 1);
  const Incident& incident = store.incidents.begin()->second;
  CHECK(incident.title == "SSH brute force from 198.51.100.7");
  CHECK(incident.group_key == "src_ip=198.51.100.7");
  CHECK(incident.event_count == 20);
  CHECK(incident.events.size() == 20);
  CHECK(incident.events.front() == EventRef{at(0), 1});
  CHECK(incident.events.back() == EventRef{at(19), 20});
  CHECK(incident.first_seen == at(0));
  CHECK(incident.last_seen == at(19));
  CHECK_FALSE(incident.report_required);  // high is not serious under the default policy
  CHECK(incident.report.detected_at == 0);
  CHECK(incident.severity == Severity::high);
  CHECK(incident.tlp == "amber");
  REQUIRE(incident.timeline.size() == 1);
  CHECK(incident.timeline[0].time == at(19));
  CHECK(incident.timeline[0].what == "raised by rule ssh-bruteforce: 20 events in 1m (gte 20) for src_ip=198.51.100.7");
  CHECK(correlator.stats().active_groups == 0);  // the window's events went into the incident

  // Non-matching port never counts.
  auto web = flow_event(20, "198.51.100.7", "10.0.0.5", 80, 21);
  REQUIRE(correlator.process(web));
  CHECK(web.incident_id.empty());
}

TEST_CASE("windows slide on event time", "[correlator][window]") {
  FakeIncidentStore store;
  Correlator correlator(rules_from(count_rule(3)), store, {});

  SECTION("events spaced beyond the timespan never fire") {
    std::vector<Event> events;
    for (int i = 0; i < 10; ++i) events.push_back(flow_event(i * 61.0, "192.0.2.1", "10.0.0.1", 80));
    feed(correlator, events);
    REQUIRE(correlator.flush());
    CHECK(store.incidents.empty());
  }
  SECTION("old events leave the window; the window's edges are inclusive") {
    feed(correlator, {flow_event(0, "192.0.2.1", "10.0.0.1", 80), flow_event(30, "192.0.2.1", "10.0.0.1", 80),
                      flow_event(61, "192.0.2.1", "10.0.0.1", 80)});
    REQUIRE(correlator.flush());
    CHECK(store.incidents.empty());  // at 61 the event at 0 has left: 2 in window
    auto ids = feed(correlator, {flow_event(90, "192.0.2.1", "10.0.0.1", 80)}, 10);
    CHECK(ids[0] == "INC-000001");  // 30, 61, 90: exactly 60 s apart end to end
    REQUIRE(correlator.flush());
    const Incident& incident = store.incidents.begin()->second;
    CHECK(incident.event_count == 3);
    CHECK(incident.first_seen == at(30));
    CHECK(incident.last_seen == at(90));
  }
}

TEST_CASE("group_by keeps one window per group", "[correlator][window]") {
  FakeIncidentStore store;
  Correlator correlator(rules_from(count_rule(3)), store, {});
  feed(correlator, {flow_event(0, "192.0.2.1", "10.0.0.1", 80), flow_event(1, "192.0.2.2", "10.0.0.1", 80),
                    flow_event(2, "192.0.2.1", "10.0.0.1", 80), flow_event(3, "192.0.2.2", "10.0.0.1", 80)});
  CHECK(correlator.stats().active_groups == 2);
  auto ids = feed(correlator, {flow_event(4, "192.0.2.2", "10.0.0.1", 80), flow_event(5, "192.0.2.3", "10.0.0.1", 80),
                               flow_event(6, "192.0.2.1", "10.0.0.1", 80)},
                  10);
  CHECK(ids == std::vector<std::string>{"INC-000001", "", "INC-000002"});
  REQUIRE(correlator.flush());
  CHECK(store.incidents.at("INC-000001").group_key == "src_ip=192.0.2.2");
  CHECK(store.incidents.at("INC-000002").group_key == "src_ip=192.0.2.1");
}

TEST_CASE("group_by over several fields, one missing skips the event", "[correlator][window]") {
  FakeIncidentStore store;
  auto rules = rules_from(
      "id: sid-burst\ntitle: \"{alert.signature_id} x{count} to {dest_ip}\"\ntype: event_count\n"
      "match: {event_type: alert}\ngroup_by: [alert.signature_id, dest_ip]\ntimespan: 10m\n"
      "condition: {gt: 1}\nseverity: low\n");
  Correlator correlator(std::move(rules), store, {});
  auto ids = feed(correlator, {alert_event(0, "1.1.1.1", "10.0.0.1", 80, 7, 3), alert_event(1, "1.1.1.2", "10.0.0.2", 80, 7, 3),
                               alert_event(2, "1.1.1.3", "10.0.0.1", 80, 8, 3), alert_event(3, "1.1.1.4", "10.0.0.1", 80, 7, 3)});
  CHECK(ids == std::vector<std::string>{"", "", "", "INC-000001"});
  REQUIRE(correlator.flush());
  const Incident& incident = store.incidents.at("INC-000001");
  CHECK(incident.group_key == "alert.signature_id=7,dest_ip=10.0.0.1");
  CHECK(incident.title == "7 x2 to 10.0.0.1");
  CHECK(incident.timeline[0].what == "raised by rule sid-burst: 2 events in 10m (gt 1) for "
                                      "alert.signature_id=7,dest_ip=10.0.0.1");
}

TEST_CASE("group keys escape separators inside values", "[correlator][window]") {
  FakeIncidentStore store;
  Correlator correlator(rules_from("id: by-sig\ntitle: \"{alert.signature}\"\ntype: single\n"
                                   "match: {event_type: alert}\ngroup_by: [alert.signature]\nseverity: low\n"),
                        store, {});
  Event a = alert_event(0, "1.1.1.1", "10.0.0.1", 80, 7, 3, 1);
  a.alert->signature = "x,alert.signature=y";
  Event b = alert_event(1, "1.1.1.1", "10.0.0.1", 80, 7, 3, 2);
  b.alert->signature = "x";
  REQUIRE(correlator.process(a));
  REQUIRE(correlator.process(b));
  CHECK(a.incident_id != b.incident_id);
  REQUIRE(correlator.flush());
  CHECK(store.incidents.at(a.incident_id).group_key == "alert.signature=x\\,alert.signature\\=y");
  CHECK(store.incidents.at(a.incident_id).title == "x,alert.signature=y");
}

TEST_CASE("value_count counts distinct values, duplicates do not count", "[correlator][window]") {
  FakeIncidentStore store;
  Correlator correlator(rules_from(kScan), store, {});
  std::vector<Event> events;
  for (uint16_t port : {21, 22, 22, 22, 23, 23, 25}) events.push_back(flow_event(events.size(), "203.0.113.50", "10.0.0.9", port));
  events.push_back(flow_event(8, "203.0.113.51", "10.0.0.9", 80));  // another source
  auto ids = feed(correlator, events);
  CHECK(std::all_of(ids.begin(), ids.end(), [](const auto& id) { return id.empty(); }));  // 4 distinct ports

  auto fifth = feed(correlator, {flow_event(9, "203.0.113.50", "10.0.0.9", 80)}, 100);
  CHECK(fifth[0] == "INC-000001");
  REQUIRE(correlator.flush());
  const Incident& incident = store.incidents.at("INC-000001");
  CHECK(incident.title == "Port scan from 203.0.113.50: 5 ports");
  CHECK(incident.event_count == 5);
  CHECK(incident.events.size() == 5);  // the latest event of each distinct port
  CHECK(incident.tlp == "green");
  CHECK(incident.timeline[0].what == "raised by rule port-scan: 5 distinct dest_port in 5m (gte 5) for src_ip=203.0.113.50");
  for (const char* port : {"21", "22", "23", "25", "80"}) {
    CHECK(std::count(incident.observables.begin(), incident.observables.end(), Observable{"port", port}) == 1);
  }
  CHECK(std::count(incident.observables.begin(), incident.observables.end(), Observable{"ip", "203.0.113.50"}) == 1);
}

TEST_CASE("value_count: distinct values expire with the window", "[correlator][window]") {
  FakeIncidentStore store;
  Correlator correlator(rules_from(kScan), store, {});
  // Four ports early, then four more after the first ones left the 5-minute window.
  std::vector<Event> events;
  for (uint16_t p = 1; p <= 4; ++p) events.push_back(flow_event(p, "203.0.113.50", "10.0.0.9", p));
  for (uint16_t p = 5; p <= 8; ++p) events.push_back(flow_event(400 + p, "203.0.113.50", "10.0.0.9", p));
  // Port 1 seen again late in the window: it counts once, with its latest time.
  events.push_back(flow_event(410, "203.0.113.50", "10.0.0.9", 1));
  auto ids = feed(correlator, events);
  CHECK(ids.back() == "INC-000001");
  CHECK(std::count(ids.begin(), ids.end(), "") == 8);
}

TEST_CASE("dedup: after firing, matches in the same group add to the open incident", "[correlator][incident]") {
  FakeIncidentStore store;
  Correlator correlator(rules_from(count_rule(3)), store, {});
  std::vector<Event> events;
  for (int i = 0; i < 120; ++i) events.push_back(flow_event(i * 0.5, "192.0.2.1", "10.0.0.1", static_cast<uint16_t>(1000 + i % 4)));
  auto ids = feed(correlator, events);
  CHECK(ids[1].empty());
  CHECK(std::all_of(ids.begin() + 2, ids.end(), [](const auto& id) { return id == "INC-000001"; }));
  REQUIRE(correlator.flush());
  REQUIRE(store.incidents.size() == 1);
  const Incident& incident = store.incidents.at("INC-000001");
  CHECK(incident.event_count == 120);
  CHECK(incident.events.size() == 120);
  CHECK(incident.last_seen == at(59.5));
  // Ports 1000..1003 all became observables, once each.
  CHECK(std::count_if(incident.observables.begin(), incident.observables.end(),
                      [](const auto& o) { return o.type == "port"; }) == 4);
  // Raised, then milestones at 10 and 100 events.
  REQUIRE(incident.timeline.size() == 3);
  CHECK(incident.timeline[1].what == "rule burst: 10 events");
  CHECK(incident.timeline[2].what == "rule burst: 100 events");
  auto stats = correlator.stats();
  CHECK(stats.incidents_raised == 1);
  CHECK(stats.incident_updates == 117);

  // A hot incident is written once per flush, not once per event.
  int puts_before = store.puts;
  feed(correlator, {flow_event(60, "192.0.2.1", "10.0.0.1", 1000), flow_event(61, "192.0.2.1", "10.0.0.1", 1000)}, 500);
  REQUIRE(correlator.flush());
  CHECK(store.puts == puts_before + 1);
  CHECK(store.incidents.at("INC-000001").event_count == 122);
}

TEST_CASE("event refs are capped, event_count keeps counting", "[correlator][incident]") {
  FakeIncidentStore store;
  Correlator correlator(rules_from(count_rule(2, "1h")), store, {});
  std::vector<Event> events;
  for (size_t i = 0; i < Incident::kMaxEventRefs + 50; ++i) events.push_back(flow_event(i * 0.01, "192.0.2.1", "10.0.0.1", 80));
  feed(correlator, std::vector<Event>(events.begin(), events.begin() + 600));
  REQUIRE(correlator.flush());  // half written, half merged on the second flush
  feed(correlator, std::vector<Event>(events.begin() + 600, events.end()), 600 + 1);
  REQUIRE(correlator.flush());
  const Incident& incident = store.incidents.at("INC-000001");
  CHECK(incident.event_count == Incident::kMaxEventRefs + 50);
  CHECK(incident.events.size() == Incident::kMaxEventRefs);
}

TEST_CASE("a resolved incident stops deduplicating: the next match opens a new one", "[correlator][incident]") {
  FakeIncidentStore store;
  Correlator correlator(rules_from(kCritical), store, {});
  auto ids = feed(correlator, {alert_event(0, "203.0.113.9", "10.1.2.3", 445, 1, 1)});
  CHECK(ids[0] == "INC-000001");
  REQUIRE(correlator.flush());

  SECTION("told through incident_changed") {
    Incident resolved = store.incidents.at("INC-000001");
    resolved.state = IncidentState::resolved;
    resolved.resolution = Resolution::true_positive;
    REQUIRE(store.put(resolved));
    correlator.incident_changed(resolved);
    ids = feed(correlator, {alert_event(5, "203.0.113.9", "10.1.2.3", 445, 1, 1)}, 10);
    CHECK(ids[0] == "INC-000002");
    REQUIRE(correlator.flush());
    CHECK(store.incidents.at("INC-000001").event_count == 1);
    CHECK(store.incidents.at("INC-000002").event_count == 1);

    // Reopened while the new one is open: the new one keeps the key.
    resolved.state = IncidentState::investigating;
    correlator.incident_changed(resolved);
    ids = feed(correlator, {alert_event(6, "203.0.113.9", "10.1.2.3", 445, 1, 1)}, 20);
    CHECK(ids[0] == "INC-000002");
  }
  SECTION("found at flush: additions go to the stored incident once, then a new one opens") {
    store.incidents.at("INC-000001").state = IncidentState::closed;
    ids = feed(correlator, {alert_event(5, "203.0.113.9", "10.1.2.3", 445, 1, 1)}, 10);
    CHECK(ids[0] == "INC-000001");  // the correlator did not know yet
    REQUIRE(correlator.flush());
    CHECK(store.incidents.at("INC-000001").event_count == 2);
    CHECK(store.incidents.at("INC-000001").state == IncidentState::closed);
    ids = feed(correlator, {alert_event(6, "203.0.113.9", "10.1.2.3", 445, 1, 1)}, 20);
    CHECK(ids[0] == "INC-000002");
  }
}

TEST_CASE("flush merges into the stored incident: responders' changes survive", "[correlator][incident]") {
  FakeIncidentStore store;
  Correlator correlator(rules_from(kCritical), store, {});
  feed(correlator, {alert_event(0, "203.0.113.9", "10.1.2.3", 445, 1, 1)});
  REQUIRE(correlator.flush());
  Incident& stored = store.incidents.at("INC-000001");
  stored.state = IncidentState::acknowledged;
  stored.assignee = "nguyen.van.a";
  stored.layer = 2;
  stored.timeline.push_back({at(30), "nguyen.van.a", "acknowledged"});

  feed(correlator, {alert_event(40, "203.0.113.9", "10.1.2.3", 3389, 1, 1)}, 10);
  REQUIRE(correlator.flush());
  const Incident& merged = store.incidents.at("INC-000001");
  CHECK(merged.state == IncidentState::acknowledged);
  CHECK(merged.assignee == "nguyen.van.a");
  CHECK(merged.layer == 2);
  CHECK(merged.timeline.size() == 3);  // raised, escalated by the policy, acknowledged
  CHECK(merged.timeline.back().actor == "nguyen.van.a");
  CHECK(merged.event_count == 2);
  CHECK(merged.last_seen == at(40));
  CHECK(merged.observables.back() == Observable{"port", "3389"});
}

TEST_CASE("open incidents in the store at construction keep deduplicating", "[correlator][incident]") {
  FakeIncidentStore store;
  Incident open;
  open.id = "INC-000041";
  open.rule_id = "ssh-bruteforce";
  open.group_key = "src_ip=198.51.100.7";
  open.state = IncidentState::investigating;
  open.event_count = 20;
  open.first_seen = at(-100);
  open.last_seen = at(-50);
  open.events = {{at(-100), 1}};
  REQUIRE(store.put(open));
  Incident closed = open;
  closed.id = "INC-000040";
  closed.group_key = "src_ip=198.51.100.8";
  closed.state = IncidentState::closed;
  REQUIRE(store.put(closed));
  store.next_number = 42;

  Correlator correlator(rules_from(kSsh), store, {});
  CHECK(correlator.stats().open_incidents == 1);
  auto ids = feed(correlator, {flow_event(0, "198.51.100.7", "10.0.0.5", 22)});
  CHECK(ids[0] == "INC-000041");  // one event is enough: the incident is already open
  std::vector<Event> others;
  for (int i = 0; i < 20; ++i) others.push_back(flow_event(i, "198.51.100.8", "10.0.0.5", 22));
  ids = feed(correlator, others, 10);
  CHECK(ids.back() == "INC-000042");  // the closed incident's group needs a full window
  REQUIRE(correlator.flush());
  CHECK(store.incidents.at("INC-000041").event_count == 21);
  CHECK(store.incidents.at("INC-000041").last_seen == at(0));
  CHECK(store.incidents.at("INC-000041").first_seen == at(-100));
  CHECK(store.incidents.at("INC-000040").event_count == 20);
}

TEST_CASE("out of order: within the allowance counted, too late ignored", "[correlator][window]") {
  FakeIncidentStore store;
  CorrelatorOptions options;
  options.late_allowance = seconds(30);
  Correlator correlator(rules_from(count_rule(3, "120s")), store, options);

  feed(correlator, {flow_event(100, "192.0.2.1", "10.0.0.1", 80), flow_event(50, "192.0.2.1", "10.0.0.1", 80)});
  auto stats = correlator.stats();
  CHECK(stats.late_events == 1);  // 50 < 100 - 30
  CHECK(stats.rules[0].late_events == 1);

  auto ids = feed(correlator, {flow_event(75, "192.0.2.1", "10.0.0.1", 80)}, 10);  // within 30 s: counted
  CHECK(ids[0].empty());
  ids = feed(correlator, {flow_event(101, "192.0.2.1", "10.0.0.1", 80)}, 20);
  CHECK(ids[0] == "INC-000001");
  REQUIRE(correlator.flush());
  const Incident& incident = store.incidents.at("INC-000001");
  CHECK(incident.event_count == 3);
  CHECK(incident.first_seen == at(75));
  CHECK(incident.events.front() == EventRef{at(75), 10});  // refs stay in time order
  CHECK(correlator.stats().late_events == 1);
}

TEST_CASE("backward time jumps restart the windows without crashing or growing", "[correlator][window]") {
  FakeIncidentStore store;
  CorrelatorOptions options;
  options.max_backward_jump = hours(1);
  Correlator correlator(rules_from(count_rule(3)), store, options);

  feed(correlator, {flow_event(0, "192.0.2.1", "10.0.0.1", 80), flow_event(1, "192.0.2.2", "10.0.0.1", 80)});
  CHECK(correlator.stats().active_groups == 2);
  // A stitched capture starting a day earlier: a new timeline, counted, old windows dropped.
  auto ids = feed(correlator, {flow_event(-86400, "192.0.2.1", "10.0.0.1", 80), flow_event(-86399, "192.0.2.1", "10.0.0.1", 80),
                               flow_event(-86398, "192.0.2.1", "10.0.0.1", 80)},
                  10);
  CHECK(ids.back() == "INC-000001");  // fires on the new timeline
  auto stats = correlator.stats();
  CHECK(stats.time_jumps == 1);
  CHECK(stats.late_events == 0);
  CHECK(stats.active_groups == 0);

  // Back and forth across many timelines with many groups: memory stays bounded.
  for (int round = 0; round < 20; ++round) {
    std::vector<Event> events;
    double base = (round % 2 == 0) ? 0 : -10 * 86400.0;
    for (int i = 0; i < 200; ++i) {
      events.push_back(flow_event(base + i, ("10.9." + std::to_string(round) + "." + std::to_string(i % 250)).c_str(),
                                  "10.0.0.1", 80));
    }
    feed(correlator, events, 1000 + static_cast<uint64_t>(round) * 1000);
  }
  stats = correlator.stats();
  CHECK(stats.time_jumps == 11);  // every step back to the older timeline
  CHECK(stats.active_groups <= 200);

  // Extreme timestamps do not overflow the window arithmetic.
  Event first = flow_event(0, "192.0.2.9", "10.0.0.1", 80, 90000);
  first.timestamp = INT64_MAX;
  Event second = first;
  second.timestamp = INT64_MIN;
  second.seq = 90001;
  REQUIRE(correlator.process(first));
  REQUIRE(correlator.process(second));
  REQUIRE(correlator.process(first));
}

TEST_CASE("idle group windows expire, the group cap evicts the least recently used", "[correlator][window]") {
  FakeIncidentStore store;
  SECTION("expiry on event time") {
    Correlator correlator(rules_from(count_rule(5)), store, {});
    std::vector<Event> events;
    for (int i = 0; i < 50; ++i) events.push_back(flow_event(i, ("10.8.0." + std::to_string(i)).c_str(), "10.0.0.1", 80));
    feed(correlator, events);
    CHECK(correlator.stats().active_groups == 50);
    // 60 s timespan + 60 s allowance after the last touch.
    feed(correlator, {flow_event(200, "10.8.1.1", "10.0.0.1", 80)}, 100);
    auto stats = correlator.stats();
    CHECK(stats.active_groups == 1);
    CHECK(stats.groups_expired == 50);
  }
  SECTION("cap") {
    CorrelatorOptions options;
    options.max_groups_per_rule = 3;
    Correlator correlator(rules_from(count_rule(2)), store, options);
    feed(correlator, {flow_event(0, "10.8.0.1", "10.0.0.1", 80), flow_event(1, "10.8.0.2", "10.0.0.1", 80),
                      flow_event(2, "10.8.0.3", "10.0.0.1", 80), flow_event(3, "10.8.0.1", "10.0.0.1", 80, 100)});
    CHECK(store.incidents.empty());
    REQUIRE(correlator.flush());
    CHECK(store.incidents.size() == 1);  // 10.8.0.1 fired and left the table
    feed(correlator, {flow_event(4, "10.8.0.4", "10.0.0.1", 80), flow_event(5, "10.8.0.5", "10.0.0.1", 80),
                      flow_event(6, "10.8.0.6", "10.0.0.1", 80)},
         200);
    auto stats = correlator.stats();
    CHECK(stats.active_groups == 3);
    CHECK(stats.groups_evicted == 2);  // 10.8.0.2 and 10.8.0.3, the least recently used
    auto ids = feed(correlator, {flow_event(7, "10.8.0.2", "10.0.0.1", 80)}, 300);
    CHECK(ids[0].empty());  // its window was evicted: counting starts over
  }
}

TEST_CASE("store failures: numbering retried on the next event, writes retried on the next flush", "[correlator][incident]") {
  FakeIncidentStore store;
  Correlator correlator(rules_from(count_rule(2)), store, {});
  feed(correlator, {flow_event(0, "192.0.2.1", "10.0.0.1", 80)});
  store.fail_number = true;
  Event second = flow_event(1, "192.0.2.1", "10.0.0.1", 80, 2);
  auto result = correlator.process(second);
  REQUIRE_FALSE(result);
  CHECK_THAT(result.error().message, Catch::Contains("burst"));
  CHECK(second.incident_id.empty());
  store.fail_number = false;
  auto ids = feed(correlator, {flow_event(2, "192.0.2.1", "10.0.0.1", 80)}, 3);
  CHECK(ids[0] == "INC-000001");

  store.fail_put = true;
  auto flushed = correlator.flush();
  REQUIRE_FALSE(flushed);
  CHECK_THAT(flushed.error().message, Catch::Contains("INC-000001"));
  CHECK(correlator.stats().pending_writes == 1);
  CHECK(correlator.stats().store_errors == 2);
  feed(correlator, {flow_event(3, "192.0.2.1", "10.0.0.1", 80)}, 4);
  store.fail_put = false;
  REQUIRE(correlator.flush());
  CHECK(store.incidents.at("INC-000001").event_count == 4);  // window of 3 (incl. the retried one) + 1
  CHECK(correlator.stats().pending_writes == 0);
}

TEST_CASE("open incidents unreadable at construction: process fails until the store answers", "[correlator][incident]") {
  FakeIncidentStore store;
  store.fail_list = true;
  Correlator correlator(rules_from(kCritical), store, {});
  CHECK_FALSE(correlator.ready());
  Event event = alert_event(0, "203.0.113.9", "10.1.2.3", 445, 1, 1, 1);
  CHECK_FALSE(correlator.process(event));
  store.fail_list = false;
  REQUIRE(correlator.process(event));
  CHECK(correlator.ready());
  CHECK(event.incident_id == "INC-000001");
}

TEST_CASE("several rules: the first incident tags the event, a preset id is kept, disabled rules sleep",
          "[correlator]") {
  FakeIncidentStore store;
  auto rules = rules_from(kCritical + "---\n" +
                          "id: any-alert\ntitle: alert\ntype: single\nmatch: {event_type: alert}\nseverity: low\n"
                          "---\n"
                          "id: off\ntitle: off\ntype: single\nmatch: {event_type: alert}\nseverity: low\nenabled: false\n");
  Correlator correlator(std::move(rules), store, {});
  auto ids = feed(correlator, {alert_event(0, "203.0.113.9", "10.1.2.3", 445, 1, 1)});
  CHECK(ids[0] == "INC-000001");
  Event preset = alert_event(1, "203.0.113.9", "10.1.2.3", 445, 1, 1, 50);
  preset.incident_id = "INC-999999";
  REQUIRE(correlator.process(preset));
  CHECK(preset.incident_id == "INC-999999");
  REQUIRE(correlator.flush());
  CHECK(store.incidents.size() == 2);
  CHECK(store.of_rule("any-alert").size() == 1);
  CHECK(store.of_rule("any-alert")[0].event_count == 2);
  CHECK(store.of_rule("off").empty());
  auto stats = correlator.stats();
  REQUIRE(stats.rules.size() == 3);
  CHECK(stats.rules[2].matched == 0);
}

TEST_CASE("rules from the shipped data directory run end to end", "[correlator]") {
  CorrelationLoadReport report;
  auto rules = load_correlation_rules({std::filesystem::path(VIGIL_TEST_DATA) / "correlator" / "rules"}, report);
  REQUIRE(rules);
  FakeIncidentStore store;
  Correlator correlator(std::move(*rules), store, {});
  std::vector<Event> events;
  for (int i = 0; i < 25; ++i) events.push_back(flow_event(i, "198.51.100.7", "10.0.0.5", 22));
  auto ids = feed(correlator, events);
  CHECK(ids[18].empty());
  CHECK(ids[19] == "INC-000001");
  REQUIRE(correlator.flush());
  CHECK(store.incidents.at("INC-000001").title == "SSH brute force from 198.51.100.7");
  CHECK(store.incidents.at("INC-000001").event_count == 25);
}
