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
