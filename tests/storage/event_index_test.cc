// The event index's posting lists as the data dir holds them: an event appended again (a duplicate
// append, a seq reused after a crash) must not push the other events of an older list out of the
// src/dst/sid/incident queries; lists written before the key carried a hash still read; a damaged
// index key is an error naming what is wrong, never events filed under the wrong time.
#include <catch2/catch.hpp>

#include "storage/store_fixtures.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::storage {
namespace {

using testing::alert_event;
using testing::ip;
using testing::open_store;
using testing::RawStore;
using testing::seqs;
using testing::TempDir;

Cidr cidr(const std::string& text) {
  auto parsed = Cidr::parse(text);
  REQUIRE(parsed);
  return *parsed;
}

std::vector<uint64_t> run(RocksStore& store, EventQuery query) {
  query.limit = 1000;
  auto events = store.query(query);
  REQUIRE(events);
  return seqs(*events);
}

// Index CF keys of the alert class on day 0 for one kind ('s' src, 'g' sid, ...).
std::string day0_alert_prefix(char kind) { return std::string{'e', 'a', '\x80', '\0', '\0', '\0', kind}; }

TEST_CASE("an event appended again keeps every other event of its posting list in the index queries",
          "[storage][index]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  // Three alerts from one source in one 1-minute bucket, one batch: one posting list per value.
  std::vector<Event> first;
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    Event event = alert_event(seconds(static_cast<int64_t>(seq)), seq, 2001);
    event.incident_id = "INC-000001";
    first.push_back(event);
  }
  REQUIRE(store->append(first));

  SECTION("the same first event again, alone (a duplicate append)") {
    REQUIRE(store->append(std::span<const Event>(first.data(), 1)));
  }
  SECTION("its seq reused by another event after a crash") {
    Event reused = alert_event(seconds(1), 1, 2001);
    reused.incident_id = "INC-000001";
    reused.payload = "written again after a restart";
    REQUIRE(store->append(std::span<const Event>(&reused, 1)));
  }

  EventQuery query;
  query.src = cidr("10.1.2.3");
  CHECK(run(*store, query) == std::vector<uint64_t>{3, 2, 1});
  query.src.reset();
  query.dst = cidr("192.168.7.9");
  CHECK(run(*store, query) == std::vector<uint64_t>{3, 2, 1});
  query.dst.reset();
  query.signature_id = 2001;
  CHECK(run(*store, query) == std::vector<uint64_t>{3, 2, 1});
  query.signature_id.reset();
  query.incident_id = "INC-000001";
  CHECK(run(*store, query) == std::vector<uint64_t>{3, 2, 1});
  query.newest_first = false;
  CHECK(run(*store, query) == std::vector<uint64_t>{1, 2, 3});
}

TEST_CASE("posting lists keyed by their first event only (before the hash) still answer queries",
          "[storage][index]") {
  TempDir tmp;
  {
    auto store = open_store(tmp.sub());
    std::vector<Event> batch = {alert_event(seconds(1), 1, 2001), alert_event(seconds(2), 2, 2001)};
    REQUIRE(store->append(batch));
  }
  {
    // Rewrite every source list under the older key: prefix ‖ first ref, nothing after it.
    RawStore raw(tmp.sub());
    const auto keys = raw.keys("index", day0_alert_prefix('s'));
    REQUIRE(keys.size() == 1);
    const std::string old_key = keys[0].substr(0, keys[0].size() - 8);
    raw.put("index", old_key, raw.get("index", keys[0]));
    raw.erase("index", keys[0]);
  }
  auto store = open_store(tmp.sub());
  EventQuery query;
  query.src = cidr("10.1.2.3");
  CHECK(run(*store, query) == std::vector<uint64_t>{2, 1});
  // New lists beside the old one: both read, the event in both once.
  std::vector<Event> more = {alert_event(seconds(2), 2, 2001), alert_event(seconds(3), 3, 2001)};
  REQUIRE(store->append(more));
  CHECK(run(*store, query) == std::vector<uint64_t>{3, 2, 1});
}

TEST_CASE("a damaged event index key fails that query with a corruption error and other queries still answer",
          "[storage][index]") {
  TempDir tmp;
  {
    auto store = open_store(tmp.sub());
    std::vector<Event> batch = {alert_event(seconds(1), 1, 2001), alert_event(seconds(2), 2, 2002)};
    batch[1].src_ip = ip("10.9.9.9");
    REQUIRE(store->append(batch));
  }
  {
    // A key of 10.1.2.3's list cut short: 12 bytes where a 16-byte event ref must follow the prefix.
    RawStore raw(tmp.sub());
    const std::string prefix = day0_alert_prefix('s') + std::string(1, '\x10') + std::string(10, '\0') +
                               std::string("\xff\xff", 2) + std::string{10, 1, 2, 3};
    const auto keys = raw.keys("index", prefix);
    REQUIRE(keys.size() == 1);
    raw.put("index", prefix + keys[0].substr(prefix.size(), 12), raw.get("index", keys[0]));
  }
  auto store = open_store(tmp.sub());
  EventQuery query;
  query.src = cidr("10.1.2.3");
  query.limit = 100;
  auto damaged = store->query(query);
  REQUIRE_FALSE(damaged);
  CHECK(damaged.error().code == ErrorCode::corrupt_data);
  CHECK_THAT(damaged.error().message, Catch::Contains("index key is damaged"));
  query.newest_first = false;
  CHECK_FALSE(store->query(query));

  query.src = cidr("10.9.9.9");
  CHECK(run(*store, query) == std::vector<uint64_t>{2});
  query.src = cidr("10.1.2.0/24");  // a block: read from the events themselves
  CHECK(run(*store, query) == std::vector<uint64_t>{1});
}

}  // namespace
}  // namespace vigil::storage
