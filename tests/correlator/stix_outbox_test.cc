// The layer-4 outbox: STIX 2.1 bundles, a sender command as the delivery, receipts on the incident.
#include "vigil/correlator/stix_outbox.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "correlator/test_support.h"
#include "vigil/correlator/incident_actions.h"

using namespace vigil;
using namespace vigil::correlator;
using vigil::test::TempDir;

namespace {

Incident serious() {
  Incident incident;
  incident.id = "INC-000777";
  incident.title = "Ransomware C2 from 10.10.1.5";
  incident.rule_id = "high-severity-alert";
  incident.severity = Severity::critical;
  incident.category = "ransomware";
  incident.first_seen = 1'700'000'000'000'000;
  incident.last_seen = 1'700'000'100'000'000;
  incident.event_count = 3;
  incident.report_required = true;
  incident.report.detected_at = incident.first_seen;
  incident.observables = {{"ip", "10.10.1.5"}, {"ip", "2001:db8::9"}, {"port", "443"}, {"domain", "evil.example"}};
  return incident;
}

}  // namespace

TEST_CASE("a STIX 2.1 bundle: incident, an indicator and a sighting per observable, stable ids",
          "[correlator][forward][stix]") {
  const std::string text = format_stix_bundle(serious(), "So TTTT");
  CHECK(text == format_stix_bundle(serious(), "So TTTT"));  // deterministic
  auto bundle = nlohmann::json::parse(text);
  CHECK(bundle["type"] == "bundle");
  std::map<std::string, int> types;
  std::vector<std::string> patterns;
  for (const auto& object : bundle["objects"]) {
    ++types[object["type"].get<std::string>()];
    CHECK(object["id"].get<std::string>().find(object["type"].get<std::string>() + "--") == 0);
    if (object["type"] == "indicator") patterns.push_back(object["pattern"]);
    if (object["type"] == "incident") {
      CHECK(object["x_vigil_id"] == "INC-000777");
      CHECK(object["created"] == "2023-11-14T22:13:20.000000Z");
      CHECK(object["x_vigil_category"] == "ransomware");
    }
  }
  CHECK(types == std::map<std::string, int>{{"identity", 1}, {"incident", 1}, {"indicator", 3}, {"sighting", 3}});
  CHECK(patterns == std::vector<std::string>{"[ipv4-addr:value = '10.10.1.5']", "[ipv6-addr:value = '2001:db8::9']",
                                             "[domain-name:value = 'evil.example']"});
  Incident drill = serious();
  drill.drill = true;
  CHECK(needs_layer4_report(serious()));
  CHECK_FALSE(needs_layer4_report(drill));
}

TEST_CASE("the outbox keeps a report spooled while the sender refuses, records the receipt after",
          "[correlator][forward][stix]") {
  TempDir dir;
  auto spool = ForwardSpool::open(dir.path() / "spool", false);
  REQUIRE(spool);
  REQUIRE((*spool)->append(format_stix_bundle(serious(), "So TTTT")));

  std::vector<StixReceipt> receipts;
  StixOutboxForwarder refusing(dir.path() / "outbox", {"/bin/false"}, [&](const StixReceipt& r) { receipts.push_back(r); });
  ForwardPump refused(**spool, refusing);
  CHECK(*refused.pump(0) == 0);
  CHECK((*spool)->pending_count() == 1);
  CHECK(receipts.empty());

  StixOutboxForwarder sender(dir.path() / "outbox", {"/bin/sh", "-c", "echo NCSC-RCPT-42", "sh"},
                             [&](const StixReceipt& r) { receipts.push_back(r); });
  ForwardPump pump(**spool, sender);
  CHECK(*pump.pump(0) == 1);
  CHECK((*spool)->pending_count() == 0);
  REQUIRE(receipts.size() == 1);
  CHECK(receipts[0].incident_id == "INC-000777");
  CHECK(receipts[0].receipt == "NCSC-RCPT-42");
  CHECK(std::filesystem::exists(receipts[0].bundle_file));

  // What the daemon does with the receipt.
  Incident incident = serious();
  REQUIRE(record_report_sent(incident, false, receipts[0].receipt, "liaison", 5000));
  CHECK(incident.report.initial_sent == 5000);
  CHECK(incident.report.receipts == std::vector<std::string>{"NCSC-RCPT-42"});
  CHECK_FALSE(record_report_sent(incident, false, "again", "liaison", 6000));
  Incident minor = serious();
  minor.report_required = false;
  CHECK_FALSE(record_report_sent(minor, true, "x", "liaison", 6000));
}
