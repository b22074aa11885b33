// Retention as an operator relies on it: each class keeps exactly its days (cutoffs at UTC
// midnight), index entries go with their events, open incidents stay, the audit chain loses
// only its expired prefix and still verifies; app-layer records go with the flows.
#include <catch2/catch.hpp>

#include "storage/store_fixtures.h"
#include "vigil/core/eve_json.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::storage {
namespace {

using testing::alert_event;
using testing::flow_event;
using testing::make_incident;
using testing::open_store;
using testing::seqs;
using testing::TempDir;

constexpr Timestamp kDay = hours(24);
const Timestamp kMidnight = kDay * 20'000;  // 2024-10-04T00:00:00Z
const Timestamp kNow = kMidnight + hours(10);

std::vector<uint64_t> all(RocksStore& store, EventQuery q = {}) {
  q.limit = 1000;
  auto events = store.query(q);
  REQUIRE(events);
  return seqs(*events);
}

TEST_CASE("events older than their class's retention go, with their index entries, the boundary stays", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  const Timestamp flow_cutoff = kMidnight - 90 * kDay;
  const Timestamp alert_cutoff = kMidnight - 365 * kDay;
  REQUIRE(store->append(std::vector<Event>{
      alert_event(alert_cutoff - 1, 1),  // gone
      alert_event(alert_cutoff, 2),      // kept: the cutoff itself is inside the retention
      flow_event(flow_cutoff - 1, 3),    // gone
      flow_event(flow_cutoff, 4),        // kept
      alert_event(flow_cutoff - 1, 5),   // kept: alerts are kept longer than flows
      alert_event(kNow, 6),
  }));
  auto report = store->apply_retention(RetentionPolicy{}, kNow);
  REQUIRE(report);
  CHECK(report->flow_cutoff == flow_cutoff);
  CHECK(report->alert_cutoff == alert_cutoff);
  CHECK(all(*store) == std::vector<uint64_t>{6, 4, 5, 2});
  EventQuery by_source;  // the alerts' source: answered from the index
  by_source.src = Cidr(testing::ip("10.1.2.3"), 32);
  CHECK(all(*store, by_source) == std::vector<uint64_t>{6, 5, 2});
  EventQuery by_sid;
  by_sid.signature_id = 2001;
  CHECK(all(*store, by_sid) == std::vector<uint64_t>{6, 5, 2});

  // Running it again the same day changes nothing.
  REQUIRE(store->apply_retention(RetentionPolicy{}, kNow));
  CHECK(all(*store) == std::vector<uint64_t>{6, 4, 5, 2});
  store.reset();
  testing::RawStore raw(tmp.sub());
  CHECK(raw.keys("index", "ea").size() == 3 * 3);  // src, dst, sid of each kept alert
  CHECK(raw.keys("index", "ef").size() == 2);      // src, dst of the kept flow
}

TEST_CASE("closed incidents older than their retention go, open ones stay whatever their age", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  const Timestamp cutoff = kMidnight - 365 * kDay;
  REQUIRE(store->put(make_incident(1, IncidentState::closed, cutoff - 1)));        // gone
  REQUIRE(store->put(make_incident(2, IncidentState::investigating, cutoff - kDay)));  // open: kept
  REQUIRE(store->put(make_incident(3, IncidentState::resolved, cutoff)));          // kept: boundary
  REQUIRE(store->put(make_incident(4, IncidentState::new_, kNow)));
  auto report = store->apply_retention(RetentionPolicy{}, kNow);
  REQUIRE(report);
  CHECK(report->incidents_deleted == 1);
  auto listed = store->list(IncidentQuery{});
  REQUIRE(listed);
  CHECK(testing::ids(*listed) == std::vector<std::string>{"INC-000004", "INC-000003", "INC-000002"});
  auto gone = store->get("INC-000001");
  REQUIRE(gone);
  CHECK(!*gone);
  store.reset();
  testing::RawStore raw(tmp.sub());
  CHECK(raw.keys("index", "i").size() == 3 * 5);  // no index entry of the deleted one is left
}

TEST_CASE("audit entries go only as an expired prefix, and the chain still verifies", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  const Timestamp cutoff = kMidnight - 365 * kDay;
  for (Timestamp time : {cutoff - 2, cutoff - 1, cutoff, cutoff - 5, kNow}) {
    AuditEntry entry;
    entry.time = time;
    entry.actor = "admin";
    entry.action = "rules.reload";
    REQUIRE(store->append_audit(entry));
  }
  auto report = store->apply_retention(RetentionPolicy{}, kNow);
  REQUIRE(report);
  CHECK(report->audit_entries_deleted == 2);
  auto kept = store->audit_entries(0, 10);
  REQUIRE(kept);
  REQUIRE(kept->size() == 3);
  CHECK((*kept)[0].seq == 3);
  CHECK((*kept)[1].time == cutoff - 5);  // older, but after an entry still inside retention: kept
  auto verdict = store->verify_audit();
  REQUIRE(verdict);
  CHECK(verdict->intact());
  CHECK(verdict->first_seq == 3u);
  CHECK(verdict->entries == 3);

  REQUIRE(store->append_audit(AuditEntry{0, kNow, "admin", "retention", ""}));
  store.reset();
  auto reopened = open_store(tmp.sub());
  verdict = reopened->verify_audit();
  REQUIRE(verdict);
  CHECK(verdict->intact());
  CHECK(verdict->last_seq == 6u);
}

TEST_CASE("a retention shorter than the legal floor is refused and deletes nothing", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  REQUIRE(store->append(std::vector<Event>{flow_event(kMidnight - 91 * kDay, 1)}));
  RetentionPolicy policy;
  policy.audit_days = 30;
  auto report = store->apply_retention(policy, kNow);
  REQUIRE(!report);
  CHECK(report.error().code == ErrorCode::invalid_argument);
  CHECK(report.error().message == "retention of audit is 30 days; security logs must be kept at least 90 days");
  CHECK(all(*store) == std::vector<uint64_t>{1});
}

}  // namespace
}  // namespace vigil::storage

namespace vigil::storage {
namespace {

TEST_CASE("app-layer records are stored with their context and kept as long as flows", "[storage]") {
  TempDir tmp;
  auto store = testing::open_store(tmp.sub());
  const Timestamp flow_cutoff = kMidnight - 90 * kDay;
  Event old_dns = testing::flow_event(flow_cutoff - 1, 1);
  old_dns.type = EventType::dns;
  old_dns.flow.reset();
  old_dns.app = AppLayerInfo{"dns", R"({"type":"query","id":1,"rrname":"old.example.vn","rrtype":"A"})"};
  Event dns = old_dns;
  dns.timestamp = flow_cutoff;
  dns.seq = 2;
  dns.app->json = R"({"type":"query","id":2,"rrname":"mail.example.vn","rrtype":"MX"})";
  Event alert = testing::alert_event(flow_cutoff - 1, 3);  // alerts outlive flows, context included
  alert.app = AppLayerInfo{"http", R"({"hostname":"portal.example.gov.vn","url":"/login"})"};
  REQUIRE(store->append(std::vector<Event>{old_dns, dns, alert}));
  REQUIRE(store->apply_retention(RetentionPolicy{}, kNow));

  EventQuery by_type;
  by_type.type = EventType::dns;
  by_type.limit = 10;
  auto records = store->query(by_type);
  REQUIRE(records);
  REQUIRE(records->size() == 1);
  CHECK(records->at(0).seq == 2);
  REQUIRE(records->at(0).app);
  CHECK(records->at(0).app->json == dns.app->json);
  CHECK(to_eve_json(records->at(0)) == to_eve_json(dns));

  EventQuery alerts;
  alerts.type = EventType::alert;
  auto kept = store->query(alerts);
  REQUIRE(kept);
  REQUIRE(kept->size() == 1);
  REQUIRE(kept->at(0).app);
  CHECK(kept->at(0).app->proto == "http");
  CHECK(to_eve_json(kept->at(0)) == to_eve_json(alert));
}

}  // namespace
}  // namespace vigil::storage
