// temporal and temporal_ordered correlation, and member rules with generate: false.
#include <catch2/catch.hpp>

#include "correlator/test_support.h"
#include "vigil/correlator/correlator.h"
#include "vigil/correlator/rule_loader.h"

using namespace vigil;
using namespace vigil::correlator;
using vigil::test::alert_event;
using vigil::test::FakeIncidentStore;
using vigil::test::flow_event;

namespace {

// A scan (value_count, generate: false), an exploit alert (single, generate: false) and the rule
// combining them per source.
std::vector<CorrelationRule> chain_rules(const std::string& type, const std::string& timespan = "10m",
                                         bool members_generate = false) {
  std::string generate = members_generate ? "true" : "false";
  std::string yaml =
      "id: recon\ntitle: \"scan from {src_ip}\"\ntype: value_count\nmatch: {event_type: flow}\n"
      "group_by: [src_ip]\ntimespan: 1m\ncondition: {gte: 3, field: dest_port}\nseverity: low\n"
      "generate: " + generate + "\n"
      "---\n"
      "id: exploit\ntitle: \"exploit from {src_ip}\"\ntype: single\n"
      "match: {event_type: alert, alert.severity: 1}\ngroup_by: [src_ip]\nseverity: high\n"
      "generate: " + generate + "\n"
      "---\n"
      "id: recon-then-exploit\ntitle: \"Scan then exploit from {src_ip}\"\ntype: " + type + "\n"
      "rules: [recon, exploit]\ngroup_by: [src_ip]\ntimespan: " + timespan + "\nseverity: critical\n";
  CorrelationLoadReport report;
  auto rules = parse_correlation_rules(yaml, "inline.yml", report);
  INFO((report.errors.empty() ? std::string() : to_string(report.errors.front())));
  REQUIRE(report.ok());
  return rules;
}

uint64_t g_seq = 1;

void feed(Correlator& correlator, Event event) {
  event.seq = g_seq++;
  REQUIRE(correlator.process(event));
}

void scan(Correlator& correlator, double second, const char* src) {
  for (uint16_t port : {21, 22, 23}) feed(correlator, flow_event(second, src, "10.0.0.5", port));
}

void exploit(Correlator& correlator, double second, const char* src) {
  feed(correlator, alert_event(second, src, "10.0.0.5", 80, 2001, 1));
}

}  // namespace

TEST_CASE("temporal_ordered: scan then exploit raises one incident, members raise none", "[correlator][temporal]") {
  FakeIncidentStore store;
  Correlator correlator(chain_rules("temporal_ordered"), store);
  scan(correlator, 0, "203.0.113.9");
  exploit(correlator, 120, "203.0.113.9");
  REQUIRE(correlator.flush());
  CHECK(store.of_rule("recon").empty());
  CHECK(store.of_rule("exploit").empty());
  auto raised = store.of_rule("recon-then-exploit");
  REQUIRE(raised.size() == 1);
  const Incident& incident = raised.front();
  CHECK(incident.title == "Scan then exploit from 203.0.113.9");
  CHECK(incident.severity == Severity::critical);
  CHECK(incident.group_key == "src_ip=203.0.113.9");
  CHECK(incident.event_count == 2);
  // The scan's last flow (the one that completed it) and the exploit alert.
  REQUIRE(incident.events.size() == 2);
  CHECK(incident.events.back().timestamp == vigil::test::at(120));
  CHECK_THAT(incident.timeline.front().what, Catch::Contains("recon, exploit in this order within 10m"));
  CHECK(incident.category == "combined");
}

TEST_CASE("temporal_ordered: the wrong order, another source or too long apart raises nothing",
          "[correlator][temporal]") {
  FakeIncidentStore store;
  Correlator correlator(chain_rules("temporal_ordered"), store);
  exploit(correlator, 0, "203.0.113.9");       // exploit first
  scan(correlator, 60, "203.0.113.9");         // then the scan: wrong order
  scan(correlator, 100, "198.51.100.1");       // scan by one source
  exploit(correlator, 160, "198.51.100.2");    // exploit by another
  scan(correlator, 200, "192.0.2.7");
  exploit(correlator, 200 + 11 * 60, "192.0.2.7");  // 11 minutes later: outside 10m
  REQUIRE(correlator.flush());
  CHECK(store.of_rule("recon-then-exploit").empty());
  CHECK(correlator.stats().incidents_raised == 0);
}

TEST_CASE("temporal: any order within the timespan", "[correlator][temporal]") {
  FakeIncidentStore store;
  Correlator correlator(chain_rules("temporal"), store);
  exploit(correlator, 0, "203.0.113.9");
  scan(correlator, 300, "203.0.113.9");
  REQUIRE(correlator.flush());
  auto raised = store.of_rule("recon-then-exploit");
  REQUIRE(raised.size() == 1);
  CHECK_THAT(raised.front().timeline.front().what, Catch::Contains("recon, exploit within 10m"));
  CHECK_THAT(raised.front().timeline.front().what, !Catch::Contains("in this order"));

  SECTION("further member hits from the same source add to the open incident") {
    exploit(correlator, 400, "203.0.113.9");
    REQUIRE(correlator.flush());
    REQUIRE(store.of_rule("recon-then-exploit").size() == 1);
    CHECK(store.of_rule("recon-then-exploit").front().event_count == 3);
  }
}

TEST_CASE("temporal: members too far apart do not combine, a later pair does", "[correlator][temporal]") {
  FakeIncidentStore store;
  Correlator correlator(chain_rules("temporal", "5m"), store);
  exploit(correlator, 0, "203.0.113.9");
  scan(correlator, 400, "203.0.113.9");  // 6m40s after the exploit
  REQUIRE(correlator.flush());
  CHECK(store.of_rule("recon-then-exploit").empty());
  exploit(correlator, 500, "203.0.113.9");  // within 5m of the scan
  REQUIRE(correlator.flush());
  CHECK(store.of_rule("recon-then-exploit").size() == 1);
}

TEST_CASE("temporal: member rules that generate raise their own incidents too", "[correlator][temporal]") {
  FakeIncidentStore store;
  Correlator correlator(chain_rules("temporal_ordered", "10m", true), store);
  scan(correlator, 0, "203.0.113.9");
  exploit(correlator, 30, "203.0.113.9");
  REQUIRE(correlator.flush());
  CHECK(store.of_rule("recon").size() == 1);
  CHECK(store.of_rule("exploit").size() == 1);
  CHECK(store.of_rule("recon-then-exploit").size() == 1);
}

TEST_CASE("temporal: a member hit arriving late is ignored, within the allowance it counts",
          "[correlator][temporal]") {
  FakeIncidentStore store;
  CorrelatorOptions options;
  options.late_allowance = seconds(30);
  Correlator correlator(chain_rules("temporal"), store, options);
  scan(correlator, 100, "203.0.113.9");   // the group's newest hit is at 100 s
  exploit(correlator, 60, "203.0.113.9");  // 40 s older than that: beyond the 30 s allowance
  REQUIRE(correlator.flush());
  CHECK(store.of_rule("recon-then-exploit").empty());
  CHECK(correlator.stats().late_events >= 1);
  exploit(correlator, 80, "203.0.113.9");  // 20 s older: late but allowed, and inside the 10m timespan
  REQUIRE(correlator.flush());
  CHECK(store.of_rule("recon-then-exploit").size() == 1);
}

TEST_CASE("temporal_ordered: a late first member does not complete the order afterwards",
          "[correlator][temporal]") {
  FakeIncidentStore store;
  Correlator correlator(chain_rules("temporal_ordered"), store);
  exploit(correlator, 100, "203.0.113.9");
  scan(correlator, 90, "203.0.113.9");  // within the allowance, but its time is before the exploit
  REQUIRE(correlator.flush());
  CHECK(store.of_rule("recon-then-exploit").empty());
}
