#include "vigil/storage/rocks_store.h"

#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "storage/store_fixtures.h"
#include "vigil/core/eve_json.h"

namespace vigil::storage {
namespace {

using testing::alert_event;
using testing::flow_event;
using testing::ids;
using testing::make_incident;
using testing::open_store;
using testing::seqs;
using testing::TempDir;

EventQuery all_oldest_first() {
  EventQuery query;
  query.newest_first = false;
  query.limit = 1000;
  return query;
}

TEST_CASE("events round-trip with every field and their seq", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());

  Event alert = alert_event(1'709'288'130'123'456, 42);
  static constexpr char kPayload[] = "GET /\0\x01\xff\x80 HTTP/1.1\r\n\0";
  alert.payload = std::string(kPayload, sizeof kPayload - 1);
  alert.incident_id = "INC-000007";
  Event flow = flow_event(1'709'288'131'000'001, 7);
  Event anomaly;
  anomaly.type = EventType::anomaly;
  anomaly.timestamp = 1'709'288'132'000'000;
  anomaly.seq = 8;
  anomaly.src_ip = testing::ip("fe80::1:2");
  anomaly.dest_ip = testing::ip("ff02::1");
  anomaly.proto = kProtoIcmpV6;
  anomaly.anomaly = AnomalyInfo{"decode", "ipv6.trunc_pkt"};
  Event stats;
  stats.type = EventType::stats;
  stats.timestamp = 1'709'288'133'000'000;
  stats.seq = 9;
  stats.stats = StatsInfo{{{"decoder.pkts", 1000}, {"decoder.bytes", 64000}}};

  const std::vector<Event> written = {alert, flow, anomaly, stats};
  REQUIRE(store->append(written));
  auto read = store->query(all_oldest_first());
  REQUIRE(read);
  REQUIRE(read->size() == written.size());
  for (size_t i = 0; i < written.size(); ++i) {
    const Event& in = written[i];
    const Event& out = (*read)[i];
    CHECK(out.seq == in.seq);
    CHECK(out.timestamp == in.timestamp);
    CHECK(out.type == in.type);
    CHECK(out.src_ip == in.src_ip);
    CHECK(out.dest_ip == in.dest_ip);
    CHECK(out.payload == in.payload);
    CHECK(out.incident_id == in.incident_id);
    CHECK(to_eve_json(out) == to_eve_json(in));  // every EVE field, byte for byte
  }
  CHECK((*read)[0].payload.size() == 21);
  CHECK((*read)[1].src_ip->is_v6());
  CHECK((*read)[1].flow->alerted);
}

TEST_CASE("time range includes from and excludes until", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  REQUIRE(store->append(std::vector<Event>{alert_event(10, 1), alert_event(20, 2), alert_event(20, 3),
                                           alert_event(30, 4)}));
  EventQuery query = all_oldest_first();
  query.from = 20;
  query.until = 30;
  auto read = store->query(query);
  REQUIRE(read);
  CHECK(seqs(*read) == std::vector<uint64_t>{2, 3});

  query.newest_first = true;
  read = store->query(query);
  REQUIRE(read);
  CHECK(seqs(*read) == std::vector<uint64_t>{3, 2});

  query.from = 30;
  query.until = 30;
  read = store->query(query);
  REQUIRE(read);
  CHECK(read->empty());
}

TEST_CASE("events come newest or oldest first and stop at the limit", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  std::vector<Event> events;
  for (uint64_t i = 0; i < 10; ++i) events.push_back(flow_event(seconds(100 + static_cast<int64_t>(i)), i));
  REQUIRE(store->append(events));

  EventQuery query;
  query.limit = 3;
  auto newest = store->query(query);
  REQUIRE(newest);
  CHECK(seqs(*newest) == std::vector<uint64_t>{9, 8, 7});

  query.newest_first = false;
  auto oldest = store->query(query);
  REQUIRE(oldest);
  CHECK(seqs(*oldest) == std::vector<uint64_t>{0, 1, 2});

  query.until = seconds(105);
  query.newest_first = true;
  auto before = store->query(query);
  REQUIRE(before);
  CHECK(seqs(*before) == std::vector<uint64_t>{4, 3, 2});

  query.limit = 0;
  auto none = store->query(query);
  REQUIRE(none);
  CHECK(none->empty());
}

TEST_CASE("events filter by type and by signature id", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  REQUIRE(store->append(std::vector<Event>{alert_event(100, 1, 2001), flow_event(110, 2), alert_event(120, 3, 2002),
                                           alert_event(130, 4, 2001), flow_event(140, 5),
                                           alert_event(150, 6, 20010)}));
  EventQuery query = all_oldest_first();
  query.type = EventType::flow;
  auto flows = store->query(query);
  REQUIRE(flows);
  CHECK(seqs(*flows) == std::vector<uint64_t>{2, 5});

  query = all_oldest_first();
  query.signature_id = 2001;
  auto sid = store->query(query);
  REQUIRE(sid);
  CHECK(seqs(*sid) == std::vector<uint64_t>{1, 4});  // not 20010: the sid is zero padded in the index

  query.newest_first = true;
  query.limit = 1;
  sid = store->query(query);
  REQUIRE(sid);
  CHECK(seqs(*sid) == std::vector<uint64_t>{4});

  query = all_oldest_first();
  query.signature_id = 2001;
  query.from = 101;
  sid = store->query(query);
  REQUIRE(sid);
  CHECK(seqs(*sid) == std::vector<uint64_t>{4});

  query = all_oldest_first();
  query.signature_id = 2001;
  query.type = EventType::flow;
  auto mismatch = store->query(query);
  REQUIRE(mismatch);
  CHECK(mismatch->empty());

  query.signature_id = 9999;
  query.type.reset();
  auto unknown = store->query(query);
  REQUIRE(unknown);
  CHECK(unknown->empty());
}

TEST_CASE("negative and zero timestamps order before positive ones", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  // Written out of order on purpose; seq doubles as the expected rank.
  REQUIRE(store->append(std::vector<Event>{flow_event(1, 5), flow_event(0, 4), flow_event(-1, 3),
                                           flow_event(-seconds(86400) * 365, 1), flow_event(-seconds(1), 2),
                                           flow_event(seconds(1), 6), flow_event(0, 0)}));
  auto all = store->query(all_oldest_first());
  REQUIRE(all);
  CHECK(seqs(*all) == std::vector<uint64_t>{1, 2, 3, 0, 4, 5, 6});
  CHECK((*all)[0].timestamp == -seconds(86400) * 365);

  EventQuery query = all_oldest_first();
  query.from = -1;
  query.until = 1;
  auto around_zero = store->query(query);
  REQUIRE(around_zero);
  CHECK(seqs(*around_zero) == std::vector<uint64_t>{3, 0, 4});
}

TEST_CASE("an empty append writes nothing and succeeds", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  REQUIRE(store->append(std::vector<Event>{}));
  auto all = store->query(all_oldest_first());
  REQUIRE(all);
  CHECK(all->empty());
}

TEST_CASE("events are indexed by address, sid and incident in the same batch, under their class and day", "[storage]") {
  TempDir tmp;
  Event alert = alert_event(seconds(5), 1, 2001);
  alert.incident_id = "INC-000003";
  Event flow = flow_event(seconds(86400) + 7, 2);  // the next day
  {
    auto store = open_store(tmp.sub());
    REQUIRE(store->append(std::vector<Event>{alert, flow}));
  }
  testing::RawStore raw(tmp.sub());
  const std::string day0{'e', 'a', '\x80', '\0', '\0', '\0'};
  const std::string day1{'e', 'f', '\x80', '\0', '\0', '\x01'};
  CHECK(raw.keys("index", day0 + "s").size() == 1);  // source address
  CHECK(raw.keys("index", day0 + "d").size() == 1);  // destination address
  CHECK(raw.keys("index", day0 + "g").size() == 1);  // signature id
  CHECK(raw.keys("index", day0 + "i").size() == 1);  // incident
  CHECK(raw.keys("index", day1 + "s").size() == 1);
  CHECK(raw.keys("index", day1 + "d").size() == 1);
  CHECK(raw.keys("index", "e").size() == 6);
  // prefix ‖ len ‖ 16-byte address ‖ 16-byte time key ‖ 8-byte hash of the posting list
  CHECK(raw.keys("index", day0 + "s")[0].size() == day0.size() + 2 + 16 + 16 + 8);
  CHECK(raw.keys("events", "a").size() == 1);
  CHECK(raw.keys("events", "f").size() == 1);
}

TEST_CASE("incidents are stored, read back and moved between states", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  Incident incident = make_incident(1, IncidentState::new_, seconds(1000));
  incident.report.initial_sent = seconds(2000);
  incident.report.receipts = {"NCSC-42"};
  REQUIRE(store->put(incident));

  auto read = store->get("INC-000001");
  REQUIRE(read);
  REQUIRE(*read);
  CHECK(to_json(**read) == to_json(incident));
  CHECK((*read)->events == incident.events);

  auto missing = store->get("INC-999999");
  REQUIRE(missing);
  CHECK(!*missing);

  incident.state = IncidentState::acknowledged;
  incident.timeline.push_back({seconds(1100), "alice", "acknowledged"});
  REQUIRE(store->put(incident));
  read = store->get("INC-000001");
  REQUIRE(read);
  REQUIRE(*read);
  CHECK((*read)->state == IncidentState::acknowledged);
  CHECK((*read)->timeline.size() == 2);

  IncidentQuery by_state;
  by_state.state = IncidentState::new_;
  auto in_new = store->list(by_state);
  REQUIRE(in_new);
  CHECK(in_new->empty());
  by_state.state = IncidentState::acknowledged;
  auto in_ack = store->list(by_state);
  REQUIRE(in_ack);
  CHECK(ids(*in_ack) == std::vector<std::string>{"INC-000001"});

  store.reset();
  testing::RawStore raw(tmp.sub());
  // 'i' ‖ 's' ‖ len ‖ state ‖ first_seen ‖ id: one state entry, the new one
  CHECK(raw.keys("index", "is").size() == 1);
  CHECK(raw.keys("index", std::string("is\x0c") + "acknowledged").size() == 1);
  CHECK(raw.keys("index", "i").size() == 5);  // time, state, severity, layer, assignee
}

TEST_CASE("an incident needs an id", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  auto stored = store->put(Incident{});
  REQUIRE(!stored);
  CHECK(stored.error().code == ErrorCode::invalid_argument);
}

TEST_CASE("incidents list newest first, by state or open only, up to the limit", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  REQUIRE(store->put(make_incident(1, IncidentState::new_, seconds(100))));
  REQUIRE(store->put(make_incident(2, IncidentState::investigating, seconds(300))));
  REQUIRE(store->put(make_incident(3, IncidentState::closed, seconds(200))));
  REQUIRE(store->put(make_incident(4, IncidentState::new_, seconds(300))));  // same first_seen as 2
  REQUIRE(store->put(make_incident(5, IncidentState::resolved, seconds(400))));
  REQUIRE(store->put(make_incident(6, IncidentState::contained, seconds(50))));

  auto all = store->list({});
  REQUIRE(all);
  CHECK(ids(*all) ==
        std::vector<std::string>{"INC-000005", "INC-000004", "INC-000002", "INC-000003", "INC-000001", "INC-000006"});

  IncidentQuery open;
  open.open_only = true;
  auto open_ones = store->list(open);
  REQUIRE(open_ones);
  CHECK(ids(*open_ones) == std::vector<std::string>{"INC-000004", "INC-000002", "INC-000001", "INC-000006"});

  open.limit = 2;
  open_ones = store->list(open);
  REQUIRE(open_ones);
  CHECK(ids(*open_ones) == std::vector<std::string>{"INC-000004", "INC-000002"});

  IncidentQuery fresh;
  fresh.state = IncidentState::new_;
  auto new_ones = store->list(fresh);
  REQUIRE(new_ones);
  CHECK(ids(*new_ones) == std::vector<std::string>{"INC-000004", "INC-000001"});

  IncidentQuery closed_and_open;
  closed_and_open.state = IncidentState::closed;
  closed_and_open.open_only = true;
  auto contradiction = store->list(closed_and_open);
  REQUIRE(contradiction);
  CHECK(contradiction->empty());
}

TEST_CASE("incident numbers increase, never repeat and survive a reopen", "[storage]") {
  TempDir tmp;
  {
    auto store = open_store(tmp.sub());
    auto first = store->next_incident_number();
    auto second = store->next_incident_number();
    REQUIRE(first);
    REQUIRE(second);
    CHECK(*first == 1);
    CHECK(*second == 2);
  }
  auto store = open_store(tmp.sub());
  auto third = store->next_incident_number();
  REQUIRE(third);
  CHECK(*third == 3);

  std::vector<std::vector<uint64_t>> issued(4);
  std::vector<std::thread> threads;
  for (auto& mine : issued) {
    threads.emplace_back([&store, &mine] {
      for (int i = 0; i < 50; ++i) {
        auto number = store->next_incident_number();
        mine.push_back(number ? *number : 0);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<uint64_t> unique;
  for (const auto& mine : issued) {
    CHECK(std::is_sorted(mine.begin(), mine.end()));
    unique.insert(mine.begin(), mine.end());
  }
  CHECK(unique.size() == 200);
  CHECK(*unique.begin() == 4);
  CHECK(*unique.rbegin() == 203);
}

TEST_CASE("several threads append, query and store incidents at once", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  // Built up front: Catch assertions (the builders have some) are for the test's own thread.
  std::vector<std::vector<std::vector<Event>>> batches(4);
  for (uint64_t writer = 0; writer < 4; ++writer) {
    for (uint64_t batch = 0; batch < 25; ++batch) {
      auto& events = batches[writer].emplace_back();
      for (uint64_t i = 0; i < 4; ++i) {
        events.push_back(alert_event(seconds(static_cast<Timestamp>(batch)), writer * 1000 + batch * 10 + i));
      }
    }
  }
  std::vector<std::thread> threads;
  std::vector<int> failures(5, 0);
  for (uint64_t writer = 0; writer < 4; ++writer) {
    threads.emplace_back([&store, &failures, &batches, writer] {
      for (uint64_t batch = 0; batch < 25; ++batch) {
        if (!store->append(batches[writer][batch])) ++failures[writer];
        // Alternates new / acknowledged and ends acknowledged (batch 24).
        Incident incident = make_incident(writer + 1, batch % 2 ? IncidentState::new_ : IncidentState::acknowledged,
                                          seconds(static_cast<Timestamp>(writer)));
        if (!store->put(incident)) ++failures[writer];
      }
    });
  }
  threads.emplace_back([&store, &failures] {
    for (int i = 0; i < 50; ++i) {
      EventQuery query;
      query.signature_id = 2001;
      if (!store->query(query)) ++failures[4];
      if (!store->list({})) ++failures[4];
    }
  });
  for (auto& thread : threads) thread.join();
  CHECK(failures == std::vector<int>(5, 0));
  auto all = store->query(all_oldest_first());
  REQUIRE(all);
  CHECK(all->size() == 400);
  auto incidents = store->list({});
  REQUIRE(incidents);
  CHECK(incidents->size() == 4);
  IncidentQuery acknowledged;
  acknowledged.state = IncidentState::acknowledged;  // every writer's last put
  auto moved = store->list(acknowledged);
  REQUIRE(moved);
  CHECK(moved->size() == 4);
  store.reset();
  testing::RawStore raw(tmp.sub());
  CHECK(raw.keys("index", "is").size() == 4);  // no state entry left behind by a racing put
}

TEST_CASE("state keys are put, read, replaced and erased", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  auto missing = store->get_state("window/ssh-bruteforce");
  REQUIRE(missing);
  CHECK(!*missing);

  const std::string blob("\0\x01window", 8);
  REQUIRE(store->put_state("window/ssh-bruteforce", blob));
  auto read = store->get_state("window/ssh-bruteforce");
  REQUIRE(read);
  REQUIRE(*read);
  CHECK(**read == blob);

  REQUIRE(store->put_state("window/ssh-bruteforce", "v2"));
  read = store->get_state("window/ssh-bruteforce");
  REQUIRE(read);
  CHECK(read->value_or("") == "v2");

  REQUIRE(store->erase_state("window/ssh-bruteforce"));
  read = store->get_state("window/ssh-bruteforce");
  REQUIRE(read);
  CHECK(!*read);
  REQUIRE(store->erase_state("never-written"));
}

TEST_CASE("a reopened store keeps events, incidents, state and the counter", "[storage]") {
  TempDir tmp;
  {
    auto store = open_store(tmp.sub());
    REQUIRE(store->append(std::vector<Event>{alert_event(seconds(1), 1), flow_event(seconds(2), 2)}));
    REQUIRE(store->put(make_incident(1, IncidentState::contained, seconds(1))));
    REQUIRE(store->put_state("k", "v"));
    REQUIRE(store->next_incident_number());
  }
  auto store = open_store(tmp.sub());
  CHECK(store->schema_version() == RocksStore::kSchemaVersion);
  auto events = store->query(all_oldest_first());
  REQUIRE(events);
  CHECK(seqs(*events) == std::vector<uint64_t>{1, 2});
  auto incident = store->get("INC-000001");
  REQUIRE(incident);
  REQUIRE(*incident);
  CHECK((*incident)->state == IncidentState::contained);
  auto state = store->get_state("k");
  REQUIRE(state);
  CHECK(state->value_or("") == "v");
  auto number = store->next_incident_number();
  REQUIRE(number);
  CHECK(*number == 2);
}

TEST_CASE("a record that does not decode is an error naming it, not a crash", "[storage]") {
  TempDir tmp;
  { auto store = open_store(tmp.sub()); }
  {
    testing::RawStore raw(tmp.sub());
    raw.put("events", "a\x80" + std::string(15, '\0'), "\x02\x01");  // an alert at time 0, seq 0, cut short
    raw.put("incidents", "INC-000001", std::string("\x09{}"));
  }
  auto store = open_store(tmp.sub());
  auto events = store->query(all_oldest_first());
  REQUIRE(!events);
  CHECK(events.error().message.find("event at 0/0") != std::string::npos);
  auto incident = store->get("INC-000001");
  REQUIRE(!incident);
  CHECK(incident.error().code == ErrorCode::corrupt_data);
  CHECK(incident.error().message.find("INC-000001") != std::string::npos);
}

}  // namespace
}  // namespace vigil::storage
