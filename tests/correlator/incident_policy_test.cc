// The 4-layer policy: loading it, classifying incidents, escalation, drills and the report clock.
#include "vigil/correlator/incident_policy.h"

#include <catch2/catch.hpp>

#include "correlator/test_support.h"
#include "vigil/correlator/correlator.h"
#include "vigil/correlator/incident_actions.h"
#include "vigil/correlator/rule_loader.h"

using namespace vigil;
using namespace vigil::correlator;
using vigil::test::at;
using vigil::test::FakeIncidentStore;
using vigil::test::flow_event;

namespace {

const std::string kPolicy = R"(# as in config/policy.yaml
sensors: {ignored: true}   # other sections of vigil.yaml are not ours
assets:
  - name: data-center
    cidr: 10.10.0.0/16
    agency: So TTTT
    zone: datacenter
    protection_level: 4
    criticality: critical
  - name: finance-web
    cidrs: [10.10.5.0/24]
    agency: So Tai chinh
    protection_level: 3
    criticality: high
  - cidr: 10.20.0.0/16
    agency: UBND xa A
layers:
  escalate_severity: critical
  ack_deadline: {low: 24h, medium: 4h, high: 1h, critical: 15m}
drills:
  - name: pentest-q4
    from: 2023-11-14T00:00:00Z
    until: 2023-11-16T00:00:00Z
    sources: [198.51.100.0/24]
reporting:
  severity: critical
  categories: [ransomware, data_theft]
  national_security: [data_destruction]
  initial_due: 24h
  full_due: 72h
)";

IncidentPolicy policy() {
  auto parsed = parse_incident_policy(kPolicy, "policy.yaml");
  INFO((parsed ? std::string() : parsed.error().message));
  REQUIRE(parsed);
  return *parsed;
}

Incident incident_on(std::vector<std::string> ips, Severity severity, double second = 0) {
  Incident incident;
  incident.id = "INC-000001";
  incident.severity = severity;
  incident.first_seen = incident.last_seen = at(second);
  for (auto& ip : ips) incident.observables.push_back({"ip", ip});
  return incident;
}

}  // namespace

TEST_CASE("the policy file loads every section", "[correlator][policy]") {
  IncidentPolicy p = policy();
  REQUIRE(p.assets.size() == 3);
  CHECK(p.assets[0].agency == "So TTTT");
  CHECK(p.assets[0].protection_level == 4);
  CHECK(p.assets[0].criticality == Severity::critical);
  CHECK(p.assets[2].protection_level == 1);  // default
  CHECK(p.layers.ack_deadline[static_cast<size_t>(Severity::high)] == hours(1));
  REQUIRE(p.drills.size() == 1);
  CHECK(p.drills[0].name == "pentest-q4");
  CHECK(p.reporting.categories == std::vector<std::string>{"ransomware", "data_theft"});
  // The most specific range wins.
  CHECK(p.find_asset(*IpAddress::parse("10.10.5.7"))->name == "finance-web");
  CHECK(p.find_asset(*IpAddress::parse("10.10.9.9"))->name == "data-center");
  CHECK(p.find_asset(*IpAddress::parse("192.0.2.1")) == nullptr);
}

TEST_CASE("the shipped config/policy.yaml loads", "[correlator][policy]") {
  auto loaded = load_incident_policy(VIGIL_SOURCE_DIR "/config/policy.yaml");
  INFO((loaded ? std::string() : loaded.error().message));
  REQUIRE(loaded);
  CHECK_FALSE(loaded->assets.empty());
}

TEST_CASE("policy errors name file, line and field", "[correlator][policy]") {
  auto error_of = [](const std::string& yaml) {
    auto parsed = parse_incident_policy(yaml, "policy.yaml");
    REQUIRE_FALSE(parsed);
    return parsed.error().message;
  };
  CHECK(error_of("assets:\n  - agency: A\n    cidr: 10.0.0.0/33\n") ==
        "policy.yaml:3: assets[0].cidr: '10.0.0.0/33' is not an address block (e.g. 10.10.0.0/16)");
  CHECK_THAT(error_of("assets:\n  - cidr: 10.0.0.0/8\n"), Catch::StartsWith("policy.yaml:2: assets[0].agency: missing"));
  CHECK_THAT(error_of("assets:\n  - {cidr: 10.0.0.0/8, agency: A, protection_level: 6}\n"),
             Catch::Contains("assets[0].protection_level: expected 1 to 5"));
  CHECK_THAT(error_of("layers:\n  ack_deadline: {high: soon}\n"),
             Catch::StartsWith("policy.yaml:2: layers.ack_deadline.high: bad duration"));
  CHECK_THAT(error_of("drills:\n  - {name: d, from: 2024-01-02, until: 2024-01-01, sources: [1.2.3.0/24]}\n"),
             Catch::Contains("drills[0].until: must be after from"));
  CHECK_THAT(error_of("reporting:\n  categories: [spam]\n"),
             Catch::StartsWith("policy.yaml:2: reporting.categories: 'spam' is not an incident category"));
  CHECK_THAT(error_of("assets: [\n"), Catch::Contains("YAML syntax error"));
  CHECK_FALSE(load_incident_policy("/nonexistent/policy.yaml"));
}

TEST_CASE("an incident names the agencies it touches, criticality raises its severity", "[correlator][policy]") {
  IncidentPolicy p = policy();
  Incident incident = incident_on({"203.0.113.5", "10.10.5.7", "10.20.1.1"}, Severity::medium);
  classify_incident(incident, p, at(0));
  CHECK(incident.agencies == std::vector<std::string>{"So Tai chinh", "UBND xa A"});
  CHECK(incident.protection_level == 3);
  CHECK(incident.severity == Severity::high);  // finance-web is of high criticality: one step
  CHECK(incident.layer == 1);
  CHECK(incident.timeline.back().actor == "policy");
  CHECK_THAT(incident.timeline.back().what, Catch::Contains("severity medium -> high"));
  CHECK_FALSE(incident.report_required);

  Incident on_dc = incident_on({"10.10.9.9"}, Severity::medium);
  classify_incident(on_dc, p, at(0));
  CHECK(on_dc.severity == Severity::critical);  // critical asset: two steps
  CHECK(on_dc.report_required);
}

TEST_CASE("the report clock: 24 h notice, 72 h full report, overdue marks", "[correlator][policy]") {
  IncidentPolicy p = policy();
  Incident incident = incident_on({"203.0.113.5"}, Severity::critical, 100);
  classify_incident(incident, p, at(100));
  REQUIRE(incident.report_required);
  CHECK(incident.report.detected_at == at(100));
  CHECK(incident.report.initial_due == at(100) + hours(24));
  CHECK(incident.report.full_due == at(100) + hours(72));

  CHECK(apply_policy(incident, p, at(100)));  // critical: straight to layer 2
  CHECK(incident.layer == 2);
  CHECK_FALSE(apply_policy(incident, p, at(100) + hours(24)));  // exactly at the deadline: not late yet
  CHECK(apply_policy(incident, p, at(100) + hours(24) + 1));
  CHECK(incident.report.initial_overdue);
  CHECK_FALSE(incident.report.full_overdue);
  CHECK_THAT(incident.timeline.back().what, Catch::Contains("initial notice overdue"));
  incident.report.full_sent = at(100) + hours(70);
  CHECK_FALSE(apply_policy(incident, p, at(100) + hours(80)));  // full report sent in time
  CHECK_FALSE(incident.report.full_overdue);
  CHECK(incident.report.detected_at == at(100));  // never moves
}

TEST_CASE("categories make an incident serious, national-security ones are due at once", "[correlator][policy]") {
  IncidentPolicy p = policy();
  Incident theft = incident_on({"203.0.113.5"}, Severity::low);
  theft.category = "data_theft";
  classify_incident(theft, p, at(0));
  CHECK(theft.report_required);
  CHECK(theft.report.initial_due == at(0) + hours(24));

  Incident wiper = incident_on({"203.0.113.5"}, Severity::low);
  wiper.category = "data_destruction";
  classify_incident(wiper, p, at(0));
  CHECK(wiper.report_required);
  CHECK(wiper.report.initial_due == at(0));
  CHECK(wiper.report.full_due == at(0) + hours(72));
  CHECK(apply_policy(wiper, p, at(1)));
  CHECK(wiper.report.initial_overdue);
}

TEST_CASE("not acknowledged within its deadline: escalated to layer 2 by the policy", "[correlator][policy]") {
  IncidentPolicy p = policy();
  Incident incident = incident_on({"203.0.113.5"}, Severity::high);
  classify_incident(incident, p, at(0));
  CHECK_FALSE(apply_policy(incident, p, at(0)));
  CHECK_FALSE(apply_policy(incident, p, at(3599)));
  CHECK(incident.layer == 1);
  CHECK(apply_policy(incident, p, at(3600)));
  CHECK(incident.layer == 2);
  CHECK(incident.escalated_at == at(3600));
  CHECK(incident.timeline.back().actor == "policy");
  CHECK(incident.timeline.back().what == "escalated from layer 1 to layer 2: not acknowledged within 1h (high)");
  CHECK_FALSE(apply_policy(incident, p, at(7200)));  // once

  SECTION("acknowledged in time: stays at layer 1") {
    Incident handled = incident_on({"203.0.113.5"}, Severity::high);
    classify_incident(handled, p, at(0));
    REQUIRE(acknowledge(handled, "lan", at(600)));
    CHECK_FALSE(apply_policy(handled, p, at(7200)));
    CHECK(handled.layer == 1);
  }
  SECTION("a person raising the severity starts the report clock from then") {
    Incident raised = incident_on({"203.0.113.5"}, Severity::medium);
    classify_incident(raised, p, at(0));
    REQUIRE(acknowledge(raised, "lan", at(60)));
    REQUIRE(set_severity(raised, Severity::critical, "lan", at(120)));
    CHECK(apply_policy(raised, p, at(180)));
    CHECK(raised.layer == 2);
    CHECK(raised.report_required);
    CHECK(raised.report.detected_at == at(180));
  }
}

TEST_CASE("drill windows tag incidents from the testers and keep them out of layer-4 reporting",
          "[correlator][policy]") {
  IncidentPolicy p = policy();
  // at(0) is 2023-11-14T22:13:20Z, inside the drill window.
  Incident drill = incident_on({"198.51.100.7", "10.10.9.9"}, Severity::critical);
  classify_incident(drill, p, at(0));
  CHECK(drill.drill);
  CHECK_FALSE(drill.report_required);
  CHECK(drill.agencies == std::vector<std::string>{"So TTTT"});
  apply_policy(drill, p, at(0) + hours(100));
  CHECK_FALSE(drill.report.initial_overdue);

  Incident other_source = incident_on({"203.0.113.7", "10.10.9.9"}, Severity::critical);
  classify_incident(other_source, p, at(0));
  CHECK_FALSE(other_source.drill);
  CHECK(other_source.report_required);

  Incident after = incident_on({"198.51.100.7"}, Severity::critical, 3 * 86400);  // after the window
  classify_incident(after, p, after.first_seen);
  CHECK_FALSE(after.drill);
}

TEST_CASE("the correlator applies the policy when it raises and when it reviews", "[correlator][policy]") {
  CorrelationLoadReport report;
  auto rules = parse_correlation_rules(
      "id: ssh-bruteforce\ntitle: t\ntype: event_count\nmatch: {event_type: flow, dest_port: 22}\n"
      "group_by: [src_ip, dest_ip]\ntimespan: 120s\ncondition: {gte: 3}\nseverity: medium\n"
      "category: unauthorized_access\n",
      "inline.yml", report);
  REQUIRE(report.ok());
  FakeIncidentStore store;
  CorrelatorOptions options;
  options.policy = std::make_shared<const IncidentPolicy>(policy());
  Correlator correlator(rules, store, options);
  std::vector<Incident> seen;
  correlator.set_incident_listener([&](const Incident& incident) { seen.push_back(incident); });
  for (int i = 0; i < 3; ++i) {
    Event e = flow_event(i, "203.0.113.9", "10.20.0.22", 22, i + 1);
    REQUIRE(correlator.process(e));
  }
  REQUIRE(correlator.flush());
  REQUIRE(store.incidents.size() == 1);
  Incident raised = store.incidents.begin()->second;
  CHECK(raised.agencies == std::vector<std::string>{"UBND xa A"});
  CHECK(raised.category == "unauthorized_access");
  CHECK(raised.layer == 1);
  CHECK_FALSE(raised.report_required);

  auto reviewed = correlator.review_incidents(at(2) + hours(3));
  REQUIRE(reviewed);
  CHECK(*reviewed == 0);
  reviewed = correlator.review_incidents(at(2) + hours(4));  // medium: 4 h to acknowledge
  REQUIRE(reviewed);
  CHECK(*reviewed == 1);
  CHECK(store.incidents.begin()->second.layer == 2);
  REQUIRE(seen.size() == 2);
  CHECK(seen.back().layer == 2);
}

TEST_CASE("later events that reach another agency's addresses add that agency", "[correlator][policy]") {
  CorrelationLoadReport report;
  auto rules = parse_correlation_rules(
      "id: burst\ntitle: t\ntype: event_count\nmatch: {event_type: flow}\ngroup_by: [src_ip]\ntimespan: 60s\n"
      "condition: {gte: 3}\nseverity: low\ncategory: other\n",
      "inline.yml", report);
  REQUIRE(report.ok());
  FakeIncidentStore store;
  CorrelatorOptions options;
  options.policy = std::make_shared<const IncidentPolicy>(policy());
  Correlator correlator(rules, store, options);
  for (int i = 0; i < 3; ++i) {
    Event e = flow_event(i, "203.0.113.9", "10.20.0.22", 80, i + 1);
    REQUIRE(correlator.process(e));
  }
  REQUIRE(correlator.flush());
  REQUIRE(store.incidents.size() == 1);
  CHECK(store.incidents.begin()->second.agencies == std::vector<std::string>{"UBND xa A"});
  Event later = flow_event(10, "203.0.113.9", "10.10.9.9", 80, 10);
  REQUIRE(correlator.process(later));
  REQUIRE(correlator.flush());
  CHECK(store.incidents.begin()->second.agencies == std::vector<std::string>{"UBND xa A", "So TTTT"});
}
