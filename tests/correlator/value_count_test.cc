// value_count against a plain model of its definition (the latest event per distinct value inside
// [newest - timespan, newest], late events ignored) on random streams with repeats, expiry and events out
// of order: the compact window (group_window.h) must fire at the same event with the same events.
#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "correlator/test_support.h"
#include "vigil/correlator/correlator.h"
#include "vigil/correlator/rule_loader.h"

using namespace vigil;
using namespace vigil::correlator;
using vigil::test::FakeIncidentStore;
using vigil::test::flow_event;

namespace {

constexpr int kThreshold = 10;
constexpr double kSpan = 30;

std::vector<CorrelationRule> scan_rule() {
  CorrelationLoadReport report;
  auto rules = parse_correlation_rules("id: scan\ntitle: t\ntype: value_count\nmatch: {event_type: flow}\n"
                                       "group_by: [src_ip]\ntimespan: 30s\n"
                                       "condition: {gte: " + std::to_string(kThreshold) + ", field: dest_port}\n"
                                       "severity: low\n",
                                       "inline.yml", report);
  REQUIRE(report.ok());
  return rules;
}

// The definition, kept naive on purpose.
struct Model {
  std::map<uint16_t, EventRef> latest;
  Timestamp newest = 0;
  bool started = false;

  // Returns the refs of the window when the event makes it fire.
  std::optional<std::vector<EventRef>> add(const Event& e, Duration late_allowance) {
    if (started && e.timestamp < newest - late_allowance) return std::nullopt;  // late
    newest = started ? std::max(newest, e.timestamp) : e.timestamp;
    started = true;
    auto [it, inserted] = latest.emplace(e.dest_port, e.ref());
    if (!inserted && it->second < e.ref()) it->second = e.ref();
    const Timestamp cutoff = newest - seconds(static_cast<int64_t>(kSpan));
    std::erase_if(latest, [cutoff](const auto& kv) { return kv.second.timestamp < cutoff; });
    if (latest.size() < static_cast<size_t>(kThreshold)) return std::nullopt;
    std::vector<EventRef> refs;
    for (const auto& [port, ref] : latest) refs.push_back(ref);
    std::sort(refs.begin(), refs.end());
    return refs;
  }
};

}  // namespace

TEST_CASE("value_count matches its definition on random streams with repeats and late events",
          "[correlator][window]") {
  int fired = 0;
  int quiet = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    INFO("seed " << seed);
    std::mt19937_64 random(seed);
    // Busier and quieter streams, so that some reach the threshold and some never do.
    std::uniform_int_distribution<int> port(1, 12);
    std::uniform_real_distribution<double> step(0, 2.0 + static_cast<double>(seed % 5));
    std::uniform_real_distribution<double> back(0, 80);
    std::bernoulli_distribution out_of_order(0.3);
    FakeIncidentStore store;
    Correlator correlator(scan_rule(), store, {});
    Model model;
    double now = 0;
    std::optional<std::vector<EventRef>> expected;
    size_t expected_at = 0;
    size_t fired_at = 0;
    for (uint64_t seq = 1; seq <= 200; ++seq) {
      now += step(random);
      double when = out_of_order(random) ? std::max(0.0, now - back(random)) : now;
      Event e = flow_event(when, "198.51.100.9", "10.0.0.1", static_cast<uint16_t>(port(random)), seq);
      if (!expected) {
        expected = model.add(e, CorrelatorOptions{}.late_allowance);
        if (expected) expected_at = seq;
      }
      REQUIRE(correlator.process(e));
      if (!e.incident_id.empty()) {
        fired_at = seq;
        break;  // later events only add to the incident
      }
    }
    REQUIRE(correlator.flush());
    CHECK(fired_at == expected_at);
    if (!expected) {
      CHECK(store.incidents.empty());
      ++quiet;
      continue;
    }
    ++fired;
    REQUIRE(store.incidents.size() == 1);
    CHECK(store.incidents.begin()->second.events == *expected);
  }
  // Both outcomes occur, so both paths were compared.
  CHECK(fired > 20);
  CHECK(quiet > 20);
}
