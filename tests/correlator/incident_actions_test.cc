// The incident lifecycle and responder actions: allowed and refused transitions, timeline entries.
#include "vigil/correlator/incident_actions.h"

#include <catch2/catch.hpp>

using namespace vigil;
using namespace vigil::correlator;

namespace {

Incident fresh() {
  Incident incident;
  incident.id = "INC-000009";
  incident.severity = Severity::high;
  incident.first_seen = incident.last_seen = 1000;
  incident.timeline.push_back({1000, "correlator", "raised"});
  return incident;
}

}  // namespace

TEST_CASE("the whole lifecycle, each step on the timeline with actor and time", "[correlator][lifecycle]") {
  Incident incident = fresh();
  REQUIRE(acknowledge(incident, "lan", 2000));
  CHECK(incident.acknowledged_at == 2000);
  REQUIRE(change_state(incident, IncidentState::investigating, "lan", 3000));
  REQUIRE(change_state(incident, IncidentState::contained, "mssp.minh", 4000));
  REQUIRE(resolve(incident, Resolution::true_positive, "mssp.minh", 5000));
  CHECK(incident.resolution == Resolution::true_positive);
  REQUIRE(close(incident, "lan", 6000));
  CHECK(incident.state == IncidentState::closed);
  CHECK(incident.acknowledged_at == 2000);  // set once
  REQUIRE(incident.timeline.size() == 6);
  CHECK(incident.timeline[1].actor == "lan");
  CHECK(incident.timeline[1].time == 2000);
  CHECK(incident.timeline[1].what == "state new -> acknowledged");
  CHECK(incident.timeline[3].actor == "mssp.minh");
  CHECK(incident.timeline[4].what == "state contained -> resolved (true_positive)");
  CHECK(incident.timeline[5].what == "state resolved -> closed");
}

TEST_CASE("every allowed transition works and every other one is refused", "[correlator][lifecycle]") {
  const IncidentState all[] = {IncidentState::new_,      IncidentState::acknowledged, IncidentState::investigating,
                               IncidentState::contained, IncidentState::resolved,     IncidentState::closed};
  int allowed = 0;
  for (auto from : all) {
    for (auto to : all) {
      Incident incident = fresh();
      incident.state = from;
      if (from == IncidentState::resolved || from == IncidentState::closed) incident.resolution = Resolution::benign;
      const size_t before = incident.timeline.size();
      auto resolution = to == IncidentState::resolved ? Resolution::false_positive : Resolution::none;
      auto changed = change_state(incident, to, "lan", 5000, resolution);
      INFO(to_string(from) << " -> " << to_string(to));
      CHECK(bool(changed) == transition_allowed(from, to));
      if (changed) {
        ++allowed;
        CHECK(incident.state == to);
        CHECK(incident.timeline.size() == before + 1);
      } else {
        CHECK(incident.state == from);  // unchanged
        CHECK(incident.timeline.size() == before);
        CHECK_THAT(changed.error().message, Catch::Contains("cannot go from") && Catch::Contains("allowed:"));
      }
    }
  }
  CHECK(allowed == 12);
  CHECK(allowed_transitions(IncidentState::closed).empty());
  CHECK(allowed_transitions(IncidentState::new_) ==
        std::vector<IncidentState>{IncidentState::acknowledged, IncidentState::investigating, IncidentState::resolved});
}

TEST_CASE("resolving needs a resolution, reopening clears it", "[correlator][lifecycle]") {
  Incident incident = fresh();
  auto refused = change_state(incident, IncidentState::resolved, "lan", 2000);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("needs a resolution"));
  CHECK_FALSE(change_state(incident, IncidentState::acknowledged, "lan", 2000, Resolution::benign));
  REQUIRE(resolve(incident, Resolution::false_positive, "lan", 2000));
  CHECK(incident.acknowledged_at == 2000);  // resolving straight from new counts as handled
  REQUIRE(reopen(incident, "same source again", "lan", 3000));
  CHECK(incident.state == IncidentState::investigating);
  CHECK(incident.resolution == Resolution::none);
  CHECK_THAT(incident.timeline.back().what, Catch::Contains("reopened") && Catch::Contains("same source again"));
  CHECK_FALSE(reopen(incident, "", "lan", 3000));  // not resolved any more
}

TEST_CASE("a closed incident takes notes only", "[correlator][lifecycle]") {
  Incident incident = fresh();
  REQUIRE(resolve(incident, Resolution::benign, "lan", 2000));
  REQUIRE(close(incident, "lan", 2100));
  CHECK_FALSE(assign(incident, "minh", "lan", 2200));
  CHECK_FALSE(escalate(incident, 2, "", "lan", 2200));
  CHECK_FALSE(set_tlp(incident, "red", "lan", 2200));
  CHECK_FALSE(add_observable(incident, {"ip", "192.0.2.1"}, "lan", 2200));
  REQUIRE(add_note(incident, "auditor asked for the pcap", "auditor.ha", 2300));
  CHECK(incident.timeline.back().what == "note: auditor asked for the pcap");
  CHECK(incident.timeline.back().actor == "auditor.ha");
}

TEST_CASE("assign, escalate, severity and TLP record who changed what", "[correlator][lifecycle]") {
  Incident incident = fresh();
  REQUIRE(assign(incident, "minh", "lead", 2000));
  REQUIRE(assign(incident, "lan", "lead", 2100));
  CHECK(incident.assignee == "lan");
  CHECK(incident.timeline.back().what == "assigned to lan (was minh)");
  REQUIRE(assign(incident, "", "lead", 2200));
  CHECK(incident.timeline.back().what == "unassigned (was lan)");

  REQUIRE(escalate(incident, 2, "needs the MSSP", "lan", 3000));
  CHECK(incident.layer == 2);
  CHECK(incident.escalated_at == 3000);
  CHECK(incident.timeline.back().what == "escalated from layer 1 to layer 2: needs the MSSP");
  auto down = escalate(incident, 1, "", "lan", 3100);
  REQUIRE_FALSE(down);
  CHECK_THAT(down.error().message, Catch::Contains("only moves up"));
  CHECK_FALSE(escalate(incident, 5, "", "lan", 3100));

  REQUIRE(set_severity(incident, Severity::critical, "lan", 3200));
  CHECK(incident.timeline.back().what == "severity high -> critical");
  REQUIRE(set_tlp(incident, "TLP:RED", "lan", 3300));
  CHECK(incident.tlp == "red");
  CHECK(incident.timeline.back().what == "TLP amber -> red");
  CHECK_FALSE(set_tlp(incident, "purple", "lan", 3300));
  CHECK_FALSE(add_note(incident, "x", "", 3400));  // no actor
}

TEST_CASE("observables are validated and normalised", "[correlator][lifecycle]") {
  Incident incident = fresh();
  REQUIRE(add_observable(incident, {"ip", "2001:DB8::1"}, "lan", 2000));
  REQUIRE(add_observable(incident, {"port", "0443"}, "lan", 2000));
  REQUIRE(add_observable(incident, {"domain", "Evil.Example.COM."}, "lan", 2000));
  REQUIRE(add_observable(incident, {"hash", std::string(64, 'A')}, "lan", 2000));
  REQUIRE(add_observable(incident, {"url", "http://evil.example.com/x"}, "lan", 2000));
  const size_t entries = incident.timeline.size();
  REQUIRE(add_observable(incident, {"domain", "evil.example.com"}, "lan", 2000));  // already there
  CHECK(incident.timeline.size() == entries);
  CHECK(incident.observables == std::vector<Observable>{{"ip", "2001:db8::1"},
                                                        {"port", "443"},
                                                        {"domain", "evil.example.com"},
                                                        {"hash", std::string(64, 'a')},
                                                        {"url", "http://evil.example.com/x"}});
  CHECK_FALSE(add_observable(incident, {"ip", "300.1.1.1"}, "lan", 2000));
  CHECK_FALSE(add_observable(incident, {"port", "70000"}, "lan", 2000));
  CHECK_FALSE(add_observable(incident, {"hash", "abc"}, "lan", 2000));
  CHECK_FALSE(add_observable(incident, {"domain", "bad..name"}, "lan", 2000));
  CHECK_FALSE(add_observable(incident, {"email", "a@b"}, "lan", 2000));
}
