// event_count rules with `interval_jitter_lte`: beaconing is many flows at a regular interval, so the
// same number of flows at random intervals must not raise. Fake events with set times, fake stores.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "correlator/test_support.h"
#include "vigil/correlator/correlator.h"
#include "vigil/correlator/rule_loader.h"

using namespace vigil;
using namespace vigil::correlator;
using vigil::test::at;
using vigil::test::FakeIncidentStore;
using vigil::test::FakeStateStore;
using vigil::test::flow_event;
using vigil::test::rules_from;

namespace {

const std::string kBeacon =
    "id: beacon\n"
    "title: \"beacon {src_ip} -> {dest_ip}\"\n"
    "type: event_count\n"
    "match: {event_type: flow}\n"
    "group_by: [src_ip, dest_ip, dest_port]\n"
    "timespan: 30m\n"
    "condition: {gte: 10, interval_jitter_lte: 0.2}\n"
    "severity: high\n";

// A short flow that started at `second` and ended a second later (flow events carry the end time).
Event flow_at(double second, uint64_t seq) {
  Event e = flow_event(second + 1, "10.1.2.3", "203.0.113.50", 443, seq);
  e.flow->start = at(second);
  e.flow->end = e.timestamp;
  return e;
}

// Feeds flows starting at `starts` (seconds); returns how many incidents were raised.
uint64_t feed(Correlator& correlator, const std::vector<double>& starts, uint64_t& seq) {
  for (double start : starts) {
    Event e = flow_at(start, seq++);
    REQUIRE(correlator.process(e));
  }
  REQUIRE(correlator.flush());
  return correlator.stats().incidents_raised;
}

std::vector<double> every(double interval, int count, double first = 0) {
  std::vector<double> out;
  for (int i = 0; i < count; ++i) out.push_back(first + interval * i);
  return out;
}

double jitter_of(const std::vector<double>& starts) {
  double mean = (starts.back() - starts.front()) / static_cast<double>(starts.size() - 1);
  double squares = 0;
  for (size_t i = 1; i < starts.size(); ++i) squares += std::pow(starts[i] - starts[i - 1] - mean, 2);
  return std::sqrt(squares / static_cast<double>(starts.size() - 1)) / mean;
}

}  // namespace

TEST_CASE("a regular beacon raises, the same number of flows at random intervals does not", "[correlator][interval]") {
  FakeIncidentStore store;
  Correlator correlator(rules_from(kBeacon), store, {});
  uint64_t seq = 1;

  SECTION("ten check-ins a minute apart, each a few seconds early or late") {
    std::vector<double> starts = every(60, 10);
    const double wobble[] = {0, 3, -4, 2, 5, -3, 0, -5, 4, 1};
    for (size_t i = 0; i < starts.size(); ++i) starts[i] += wobble[i];
    CHECK(feed(correlator, {starts.begin(), starts.end() - 1}, seq) == 0);  // nine are not enough
    CHECK(feed(correlator, {starts.back()}, seq) == 1);
    REQUIRE(store.incidents.size() == 1);
    const Incident& incident = store.incidents.begin()->second;
    CHECK(incident.event_count == 10);
    CHECK(incident.events.size() == 10);
    CHECK(incident.group_key == "src_ip=10.1.2.3,dest_ip=203.0.113.50,dest_port=443");
    REQUIRE(incident.timeline.size() == 1);
    CHECK_THAT(incident.timeline[0].what, Catch::Contains("gte 10 and interval_jitter_lte 0.2"));
    CHECK_THAT(incident.timeline[0].what, Catch::Contains("one every 60.1s"));
  }

  SECTION("ten flows at random (exponential) intervals within the same half hour") {
    std::mt19937_64 random(42);
    std::exponential_distribution<double> gap(1.0 / 60);
    std::vector<double> starts{0};
    while (starts.size() < 10) starts.push_back(starts.back() + gap(random));
    REQUIRE(starts.back() < 30 * 60);  // all inside the window: a plain count would fire
    REQUIRE(jitter_of(starts) > 0.5);
    CHECK(feed(correlator, starts, seq) == 0);
    CHECK(store.incidents.empty());
  }

  SECTION("a burst of ten flows in the same second is not a beacon") {
    CHECK(feed(correlator, std::vector<double>(10, 5.0), seq) == 0);
  }

  SECTION("irregular traffic first, then a steady beacon: the latest check-ins decide") {
    CHECK(feed(correlator, {0, 2, 3, 50, 51, 52, 130, 131, 400, 401}, seq) == 0);
    CHECK(feed(correlator, every(60, 10, 600), seq) == 1);
  }
}

TEST_CASE("intervals are measured between flow starts, not the times flows were reported", "[correlator][interval]") {
  FakeIncidentStore store;
  Correlator correlator(rules_from(kBeacon), store, {});
  // Ten flows started a minute apart and all reported at once when the capture ended.
  uint64_t seq = 1;
  for (int i = 0; i < 10; ++i) {
    Event e = flow_event(700, "10.1.2.3", "203.0.113.50", 443, seq++);
    e.flow->start = at(i * 60.0);
    REQUIRE(correlator.process(e));
  }
  REQUIRE(correlator.flush());
  CHECK(correlator.stats().incidents_raised == 1);
}

TEST_CASE("a beacon window keeps only the events it measures and survives a restart", "[correlator][interval][state]") {
  FakeIncidentStore incidents;
  FakeStateStore state;
  CorrelatorOptions options;
  options.state_save_interval = 0;
  uint64_t seq = 1;
  std::string saved_after_many;
  {
    Correlator correlator(rules_from(kBeacon), incidents, options, &state);
    // 200 irregular flows, then 6 regular ones.
    std::vector<double> starts;
    for (int i = 0; i < 200; ++i) starts.push_back(i * 7.0 + (i % 3) * 2.5);
    CHECK(feed(correlator, starts, seq) == 0);
    size_t bytes = 0;
    for (const auto& [key, value] : state.values) bytes += value.size();
    // Ten events of a few bytes each, not 200.
    CHECK(bytes < 400);
    CHECK(feed(correlator, every(60, 6, 1500), seq) == 0);
  }
  Correlator correlator(rules_from(kBeacon), incidents, options, &state);
  CHECK(correlator.stats().groups_restored == 1);
  // Four more check-ins: the ten latest (six before the restart) are regular.
  CHECK(feed(correlator, every(60, 4, 1860), seq) == 1);
  auto raised = incidents.of_rule("beacon");
  REQUIRE(raised.size() == 1);
  CHECK(raised.front().events.size() == 10);
  CHECK(raised.front().first_seen == at(1501));
}

TEST_CASE("interval_jitter_lte: the loader names file, line and field of each mistake", "[correlator][interval][loader]") {
  auto load = [](const std::string& type, const std::string& condition, CorrelationLoadReport& report) {
    return parse_correlation_rules("id: c\ntitle: t\ntype: " + type +
                                       "\nmatch: {event_type: flow}\ntimespan: 1m\ncondition: " + condition +
                                       "\nseverity: low\n",
                                   "beacon.yml", report);
  };
  struct Case {
    std::string type, condition, message;
  };
  for (const Case& c : std::vector<Case>{
           {"event_count", "{gte: 10, interval_jitter_lte: regular}", "expected a fraction"},
           {"event_count", "{gte: 10, interval_jitter_lte: 0}", "expected a fraction"},
           {"event_count", "{gte: 10, interval_jitter_lte: 1.5}", "expected a fraction"},
           {"event_count", "{gte: 2, interval_jitter_lte: 0.2}", "at least 3"},
           {"event_count", "{gte: 10, lte: 20, interval_jitter_lte: 0.2}", "gt or gte only"},
           {"event_count", "{eq: 10, interval_jitter_lte: 0.2}", "gt or gte only"},
           {"value_count", "{gte: 10, field: dest_port, interval_jitter_lte: 0.2}", "only event_count"},
       }) {
    CorrelationLoadReport report;
    INFO(c.type << " " << c.condition);
    CHECK(load(c.type, c.condition, report).empty());
    REQUIRE(report.errors.size() == 1);
    const auto& issue = report.errors.front();
    CHECK(issue.field == "condition.interval_jitter_lte");
    CHECK(issue.line == 6);
    CHECK(issue.rule_id == "c");
    CHECK_THAT(issue.message, Catch::Contains(c.message));
    CHECK_THAT(to_string(issue), Catch::StartsWith("beacon.yml:6: rule c: field condition.interval_jitter_lte: "));
  }
  CorrelationLoadReport report;
  auto rules = load("event_count", "{gt: 9, interval_jitter_lte: 0.25}", report);
  REQUIRE(rules.size() == 1);
  CHECK(rules.front().condition.interval_jitter_lte == 0.25);
  CHECK(rules.front().condition.to_string() == "gt 9 and interval_jitter_lte 0.25");
}
