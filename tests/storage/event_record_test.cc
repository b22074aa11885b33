// The binary event record against damage: every truncation of a real record, and a flipped
// length byte, is an error naming the event, never a crash or a wrong event.
#include <catch2/catch.hpp>

#include "storage/store_fixtures.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::storage {
namespace {

using testing::open_store;
using testing::TempDir;

// The events key of an alert at `time` µs, seq 0 (what schema.h builds).
std::string alert_key(uint64_t time) {
  std::string key = "a";
  const uint64_t flipped = time ^ (uint64_t{1} << 63);
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>((flipped >> shift) & 0xff));
  key.append(8, '\0');
  return key;
}

TEST_CASE("every truncation of an event record is an error naming the event", "[storage]") {
  TempDir tmp;
  Event event = testing::alert_event(1000, 0);
  event.incident_id = "INC-000001";
  { REQUIRE(open_store(tmp.sub())->append(std::vector<Event>{event})); }
  std::string record;
  {
    testing::RawStore raw(tmp.sub());
    record = raw.get("events", alert_key(1000));
    REQUIRE(record.size() > 50);
    for (size_t size = 0; size < record.size(); ++size) {
      raw.put("events", alert_key(2000 + size), record.substr(0, size));
    }
    std::string longer = record;
    longer[longer.find("wan-1") - 1] = '\x7f';  // the sensor name's length, now past the end
    raw.put("events", alert_key(5000), longer);
  }
  auto store = open_store(tmp.sub());
  EventQuery q;
  q.from = 1000;
  q.until = 1001;
  auto intact = store->query(q);
  REQUIRE(intact);
  REQUIRE(intact->size() == 1);
  CHECK((*intact)[0].sensor == "wan-1");
  for (size_t size = 0; size <= record.size(); ++size) {
    const uint64_t time = size == record.size() ? 5000 : 2000 + size;
    INFO("record cut to " << size << " bytes (time " << time << ")");
    q.from = static_cast<Timestamp>(time);
    q.until = q.from + 1;
    auto events = store->query(q);
    REQUIRE(!events);
    CHECK(events.error().code == ErrorCode::corrupt_data);
    CHECK(events.error().message.find("event at " + std::to_string(time) + "/0") != std::string::npos);
  }
}

}  // namespace
}  // namespace vigil::storage
