// The shipped config/correlation rules: they load cleanly and the temporal one ties a scan to the attack
// that follows it.
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

std::vector<CorrelationRule> default_rules() {
  CorrelationLoadReport report;
  auto rules = load_correlation_rules({VIGIL_SOURCE_DIR "/config/correlation"}, report);
  REQUIRE(rules);
  INFO((report.errors.empty() ? std::string() : to_string(report.errors.front())));
  CHECK(report.errors.empty());
  INFO((report.warnings.empty() ? std::string() : to_string(report.warnings.front())));
  CHECK(report.warnings.empty());
  return *rules;
}

}  // namespace

TEST_CASE("the default correlation rules load without errors or warnings", "[correlator][defaults]") {
  auto rules = default_rules();
  CHECK(rules.size() >= 15);
  for (const auto& rule : rules) {
    INFO(rule.id);
    CHECK_FALSE(rule.description.empty());
    // Every rule names its category except the two whose alerts' classification decides it.
    const bool from_alert = rule.id == "high-severity-alert" || rule.id == "repeated-signature";
    CHECK((from_alert || !rule.category.empty()));
  }
}

TEST_CASE("default rules: a scan followed by a severity-1 attack from the same source is one story",
          "[correlator][defaults]") {
  FakeIncidentStore store;
  Correlator correlator(default_rules(), store);
  uint64_t seq = 1;
  for (uint16_t port = 1; port <= 30; ++port) {
    Event e = flow_event(port * 0.5, "203.0.113.50", "10.20.0.5", port, seq++);
    REQUIRE(correlator.process(e));
  }
  Event attack = alert_event(600, "203.0.113.50", "10.20.0.5", 80, 9000001, 1, seq++);
  REQUIRE(correlator.process(attack));
  REQUIRE(correlator.flush());
  CHECK(store.of_rule("port-scan").size() == 1);
  CHECK(store.of_rule("high-severity-alert").size() == 1);
  auto chained = store.of_rule("recon-then-exploit");
  REQUIRE(chained.size() == 1);
  CHECK(chained.front().group_key == "src_ip=203.0.113.50");
  CHECK(chained.front().category == "combined");

  // The attack alone, from a source that did not scan: no chain.
  Event other = alert_event(700, "198.51.100.60", "10.20.0.5", 80, 9000001, 1, seq++);
  REQUIRE(correlator.process(other));
  REQUIRE(correlator.flush());
  CHECK(store.of_rule("recon-then-exploit").size() == 1);
}

TEST_CASE("default rules: an implant checking in every 5 minutes is C2 beaconing, a user's bursts are not",
          "[correlator][defaults][interval]") {
  FakeIncidentStore store;
  Correlator correlator(default_rules(), store);
  uint64_t seq = 1;
  auto small_flow = [&seq](double start, std::string_view src) {
    Event e = flow_event(start + 0.4, src, "203.0.113.80", 443, seq++);
    e.flow->start = vigil::test::at(start);
    e.flow->bytes_toserver = 600;
    return e;
  };
  // The implant: every 180 s with up to 10 % jitter. The user: ten page loads at 0, 1, 2, 60, 61, 62...
  // seconds, the same count inside the same 30 minutes.
  const double jitter[] = {0, 12, -9, 15, -17, 4, 10, -13, 8, -2};
  const double user[] = {0, 1, 2, 60, 61, 62, 300, 301, 900, 1500};
  for (int i = 0; i < 10; ++i) {
    Event beacon = small_flow(i * 180.0 + jitter[i], "10.20.0.7");
    REQUIRE(correlator.process(beacon));
    Event browsing = small_flow(user[i], "10.20.0.8");
    REQUIRE(correlator.process(browsing));
  }
  REQUIRE(correlator.flush());
  auto beacons = store.of_rule("c2-beacon");
  REQUIRE(beacons.size() == 1);
  CHECK(beacons.front().group_key == "src_ip=10.20.0.7,dest_ip=203.0.113.80,dest_port=443");
  CHECK(beacons.front().category == "malware");
}
