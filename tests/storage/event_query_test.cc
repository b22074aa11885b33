// Event queries as an analyst makes them: every filter alone and together, newest- and
// oldest-first paging with a cursor, counts by signature and source.
#include <catch2/catch.hpp>
#include <set>

#include "storage/store_fixtures.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::storage {
namespace {

using testing::alert_event;
using testing::flow_event;
using testing::ip;
using testing::open_store;
using testing::seqs;
using testing::TempDir;

Cidr cidr(const std::string& text) {
  auto parsed = Cidr::parse(text);
  REQUIRE(parsed);
  return *parsed;
}

// Twelve events over three days: alerts of two signatures from three sources, flows, an anomaly.
std::vector<Event> corpus() {
  std::vector<Event> events;
  const Timestamp day = hours(24);
  for (uint64_t i = 0; i < 9; ++i) {
    Event event = alert_event(day * static_cast<Timestamp>(i / 3) + seconds(static_cast<int64_t>(i)), i + 1,
                              i % 2 == 0 ? 2001 : 2002);
    event.src_ip = ip(i % 3 == 0 ? "10.1.2.3" : i % 3 == 1 ? "10.1.9.9" : "172.16.0.5");
    event.dest_port = i < 5 ? 22 : 443;
    event.alert->severity = i < 4 ? 1 : 2;
    event.sensor = i < 6 ? "wan-1" : "wan-2";
    event.zone = i < 6 ? "wan" : "datacenter";
    if (i == 4 || i == 7) event.incident_id = "INC-000004";
    events.push_back(event);
  }
  events.push_back(flow_event(seconds(30), 10));
  events.push_back(flow_event(day + seconds(30), 11));
  Event anomaly;
  anomaly.type = EventType::anomaly;
  anomaly.timestamp = day * 2 + seconds(40);
  anomaly.seq = 12;
  anomaly.src_ip = ip("10.1.2.3");
  anomaly.sensor = "wan-1";
  anomaly.anomaly = AnomalyInfo{"decode", "ipv4.trunc_pkt"};
  events.push_back(anomaly);
  return events;
}

std::vector<uint64_t> run(RocksStore& store, EventQuery query) {
  query.limit = 1000;
  auto events = store.query(query);
  REQUIRE(events);
  return seqs(*events);
}

TEST_CASE("each event filter returns exactly the matching events, newest first", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  REQUIRE(store->append(corpus()));
  EventQuery q;

  SECTION("no filter: every class merged in time order") { CHECK(run(*store, q) == std::vector<uint64_t>{12, 9, 8, 7, 11, 6, 5, 4, 10, 3, 2, 1}); }
  SECTION("event type") {
    q.type = EventType::flow;
    CHECK(run(*store, q) == std::vector<uint64_t>{11, 10});
    q.type = EventType::anomaly;
    CHECK(run(*store, q) == std::vector<uint64_t>{12});
  }
  SECTION("signature id") {
    q.signature_id = 2002;
    CHECK(run(*store, q) == std::vector<uint64_t>{8, 6, 4, 2});
  }
  SECTION("sensor and zone") {
    q.sensor = "wan-2";
    CHECK(run(*store, q) == std::vector<uint64_t>{9, 8, 7});
    q.sensor.reset();
    q.zone = "datacenter";  // the two flows are datacenter events too
    CHECK(run(*store, q) == std::vector<uint64_t>{9, 8, 7, 11, 10});
  }
  SECTION("source address, exact and as a block") {
    q.src = cidr("10.1.2.3");
    CHECK(run(*store, q) == std::vector<uint64_t>{12, 7, 4, 1});
    q.src = cidr("10.1.0.0/16");
    CHECK(run(*store, q) == std::vector<uint64_t>{12, 8, 7, 5, 4, 2, 1});
    q.src = cidr("2001:db8::/32");
    CHECK(run(*store, q) == std::vector<uint64_t>{11, 10});
  }
  SECTION("destination address, exact and as a block") {
    q.dst = cidr("192.168.7.9");
    CHECK(run(*store, q) == std::vector<uint64_t>{9, 8, 7, 6, 5, 4, 3, 2, 1});
    q.dst = cidr("2001:db8:ffff::/48");
    CHECK(run(*store, q) == std::vector<uint64_t>{11, 10});
    q.dst = cidr("192.168.8.0/24");
    CHECK(run(*store, q).empty());
  }
  SECTION("port, either side") {
    q.port = 443;
    CHECK(run(*store, q) == std::vector<uint64_t>{9, 8, 7, 6});
    q.port = 5353;  // the flows' source port
    CHECK(run(*store, q) == std::vector<uint64_t>{11, 10});
  }
  SECTION("severity") {
    q.severity = 1;
    CHECK(run(*store, q) == std::vector<uint64_t>{4, 3, 2, 1});
  }
  SECTION("incident") {
    q.incident_id = "INC-000004";
    CHECK(run(*store, q) == std::vector<uint64_t>{8, 5});
    q.incident_id = "INC-000005";
    CHECK(run(*store, q).empty());
  }
  SECTION("time range, across the day partitions of the index") {
    q.from = hours(24);
    q.until = hours(48) + seconds(7);
    CHECK(run(*store, q) == std::vector<uint64_t>{7, 11, 6, 5, 4});
    q.src = cidr("10.1.2.3");
    CHECK(run(*store, q) == std::vector<uint64_t>{7, 4});
  }
  SECTION("filters together") {
    q.src = cidr("10.1.9.9");
    q.signature_id = 2002;
    q.severity = 2;
    CHECK(run(*store, q) == std::vector<uint64_t>{8});
    q.sensor = "wan-1";
    CHECK(run(*store, q).empty());
  }
}

TEST_CASE("an index and a full scan agree on every single-address query", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  REQUIRE(store->append(corpus()));
  for (const char* address : {"10.1.2.3", "10.1.9.9", "172.16.0.5", "2001:db8::1"}) {
    INFO(address);
    EventQuery indexed;
    indexed.src = cidr(address);
    EventQuery scanned;  // a /31 or /127 block holding the address takes no index
    scanned.src = Cidr(ip(address), ip(address).is_v4() ? 31 : 127);
    auto from_index = run(*store, indexed);
    std::vector<uint64_t> from_scan;
    auto all = store->query(scanned);
    REQUIRE(all);
    for (const auto& event : *all) {
      if (event.src_ip == ip(address)) from_scan.push_back(event.seq);
    }
    CHECK(from_index == from_scan);
    CHECK(!from_index.empty());
  }
}

TEST_CASE("paging with the cursor visits every event once, in both orders", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  REQUIRE(store->append(corpus()));
  for (bool newest_first : {true, false}) {
    for (bool by_index : {false, true}) {
      INFO("newest_first " << newest_first << ", index " << by_index);
      EventQuery q;
      q.newest_first = newest_first;
      q.limit = 3;
      if (by_index) q.src = cidr("10.1.9.9");
      std::vector<uint64_t> paged;
      int pages = 0;
      for (;;) {
        auto page = store->query_page(q);
        REQUIRE(page);
        ++pages;
        for (const auto& event : page->events) paged.push_back(event.seq);
        if (page->next_cursor.empty()) break;
        CHECK(page->events.size() == 3);
        q.cursor = page->next_cursor;
        REQUIRE(pages < 10);
      }
      EventQuery whole = q;
      whole.cursor.clear();
      CHECK(paged == run(*store, whole));
    }
  }
}

TEST_CASE("a cursor from the last full page leads to an empty page without a cursor", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  REQUIRE(store->append(corpus()));
  EventQuery q;
  q.type = EventType::flow;
  q.limit = 2;
  auto first = store->query_page(q);
  REQUIRE(first);
  CHECK(seqs(first->events) == std::vector<uint64_t>{11, 10});
  REQUIRE(!first->next_cursor.empty());
  q.cursor = first->next_cursor;
  auto second = store->query_page(q);
  REQUIRE(second);
  CHECK(second->events.empty());
  CHECK(second->next_cursor.empty());
}

TEST_CASE("a bad cursor is an invalid-argument error naming it", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  for (const char* cursor : {"garbage", "12", ".5", "12.", "12.x", "x.12"}) {
    INFO(cursor);
    EventQuery q;
    q.cursor = cursor;
    auto page = store->query_page(q);
    REQUIRE(!page);
    CHECK(page.error().code == ErrorCode::invalid_argument);
    CHECK(page.error().message == "bad cursor '" + std::string(cursor) + "'");
  }
}

TEST_CASE("counts by signature and by source, largest first, over a time range", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  REQUIRE(store->append(corpus()));
  EventQuery q;
  auto by_sid = store->count(q, EventCountKey::signature);
  REQUIRE(by_sid);
  REQUIRE(by_sid->size() == 2);
  CHECK((*by_sid)[0].key == "2001");
  CHECK((*by_sid)[0].count == 5);
  CHECK((*by_sid)[0].label == "ET SCAN test");
  CHECK((*by_sid)[1].key == "2002");
  CHECK((*by_sid)[1].count == 4);

  q.from = hours(24);  // days 1 and 2 only
  auto by_source = store->count(q, EventCountKey::source);
  REQUIRE(by_source);
  REQUIRE(by_source->size() == 4);
  CHECK((*by_source)[0].key == "10.1.2.3");  // two alerts and the anomaly
  CHECK((*by_source)[0].count == 3);
  CHECK((*by_source)[0].label.empty());
  std::set<std::string> rest;
  for (size_t i = 1; i < 4; ++i) {
    CHECK((*by_source)[i].count == ((*by_source)[i].key == "2001:db8::1" ? 1u : 2u));
    rest.insert((*by_source)[i].key);
  }
  CHECK(rest == std::set<std::string>{"10.1.9.9", "172.16.0.5", "2001:db8::1"});

  q.limit = 1;
  by_source = store->count(q, EventCountKey::source);
  REQUIRE(by_source);
  CHECK(by_source->size() == 1);
}

}  // namespace
}  // namespace vigil::storage

namespace vigil::storage {

TEST_CASE("a batch out of time order, over several index buckets, with an event twice: every event found once",
          "[storage]") {
  TempDir tmp;
  // Two sources, alerts 40 s apart (several 1-minute posting buckets in one batch), written in a
  // shuffled order, and the event with seq 3 twice.
  std::vector<Event> batch;
  for (uint64_t seq : {7, 2, 9, 3, 1, 8, 3, 5, 4, 6, 10}) {
    Event event = alert_event(seconds(40) * static_cast<Timestamp>(seq), seq, seq % 2 == 0 ? 2001 : 2002);
    event.src_ip = ip(seq % 3 == 0 ? "10.1.2.3" : "10.1.9.9");
    batch.push_back(event);
  }
  {
    auto store = open_store(tmp.sub());
    REQUIRE(store->append(batch));
    EventQuery query;
    query.src = cidr("10.1.2.3");
    CHECK(run(*store, query) == std::vector<uint64_t>{9, 6, 3});
    query.src = cidr("10.1.9.9");
    CHECK(run(*store, query) == std::vector<uint64_t>{10, 8, 7, 5, 4, 2, 1});
    query.src.reset();
    query.signature_id = 2002;
    CHECK(run(*store, query) == std::vector<uint64_t>{9, 7, 5, 3, 1});
    query.newest_first = false;
    query.cursor = "120000000.3";  // after seq 3, oldest first
    CHECK(run(*store, query) == std::vector<uint64_t>{5, 7, 9});
  }
  // One index key per source and bucket, holding that bucket's events of the source, each once.
  testing::RawStore raw(tmp.sub());
  const std::string day0{'e', 'a', '\x80', '\0', '\0', '\0'};
  const auto src_keys = raw.keys("index", day0 + "s");
  std::set<std::string> buckets;
  for (uint64_t seq = 1; seq <= 10; ++seq) {
    buckets.insert(std::to_string(seq % 3 == 0) + "/" + std::to_string(40 * seq / 60));
  }
  CHECK(src_keys.size() == buckets.size());
}

}  // namespace vigil::storage
