// RocksStore::append_with_state: events and state entries (the pipeline's event counter, a sensor
// link's cursor) land in one write batch, so after a reopen or a kill -9 the state never disagrees
// with the events it describes.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "storage/store_fixtures.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::storage {
namespace {

using StateList = std::vector<std::pair<std::string, std::string>>;

constexpr uint64_t kEventsPerBatch = 20;

std::vector<Event> batch_events(uint64_t batch) {
  std::vector<Event> events;
  for (uint64_t i = 0; i < kEventsPerBatch; ++i) {
    events.push_back(testing::alert_event(seconds(100) + static_cast<Timestamp>(batch * 100 + i),
                                          batch * kEventsPerBatch + i + 1));
  }
  return events;
}

size_t stored_events(RocksStore& store) {
  EventQuery query;
  query.limit = 1'000'000;
  auto events = store.query(query);
  REQUIRE(events);
  return events->size();
}

TEST_CASE("events and their state entries survive a reopen together", "[storage]") {
  testing::TempDir tmp;
  const std::string dir = tmp.sub();
  {
    auto store = testing::open_store(dir);
    const StateList state = {{"pipeline.next_seq", "21"}, {"link.cursor.wan-sensor", "1"}};
    REQUIRE(store->append_with_state(batch_events(0), state, /*sync=*/true));
    const StateList later = {{"pipeline.next_seq", "41"}, {"link.cursor.wan-sensor", "2"}};
    REQUIRE(store->append_with_state(batch_events(1), later, /*sync=*/false));
  }
  auto store = testing::open_store(dir);
  CHECK(stored_events(*store) == 2 * kEventsPerBatch);
  CHECK(store->get_state("pipeline.next_seq").value() == std::optional<std::string>("41"));
  CHECK(store->get_state("link.cursor.wan-sensor").value() == std::optional<std::string>("2"));
}

TEST_CASE("state alone (no events) is written and read back", "[storage]") {
  testing::TempDir tmp;
  auto store = testing::open_store(tmp.sub());
  const StateList state = {{"pipeline.next_seq", "7"}};
  REQUIRE(store->append_with_state({}, state, false));
  CHECK(store->get_state("pipeline.next_seq").value() == std::optional<std::string>("7"));
}

TEST_CASE("a read-only store refuses append_with_state", "[storage]") {
  testing::TempDir tmp;
  const std::string dir = tmp.sub();
  { testing::open_store(dir); }
  StoreOptions read_only;
  read_only.read_only = true;
  auto store = testing::open_store(dir, read_only);
  const StateList state = {{"pipeline.next_seq", "7"}};
  CHECK_FALSE(store->append_with_state(batch_events(0), state, false));
}

// A child writes batch after batch, each with the cursor "batch number" in the same write, and is
// killed at some point: the stored cursor then names exactly the batches whose events are stored.
TEST_CASE("after kill -9 the stored cursor names exactly the batches whose events are there", "[storage]") {
  testing::TempDir tmp;
  const std::string dir = tmp.sub();
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    auto store = RocksStore::open(dir, StoreOptions{});
    if (!store) _exit(2);
    for (uint64_t batch = 1; batch < 100'000; ++batch) {
      const StateList state = {{"link.cursor.s", std::to_string(batch)}};
      if (!(*store)->append_with_state(batch_events(batch), state, batch % 2 == 0)) _exit(3);
      if (write(fds[1], &batch, sizeof batch) != sizeof batch) _exit(4);
    }
    _exit(0);
  }
  close(fds[1]);
  uint64_t acked = 0;
  while (acked < 30) {
    pollfd ready{fds[0], POLLIN, 0};
    REQUIRE(poll(&ready, 1, 10'000) == 1);
    REQUIRE(read(fds[0], &acked, sizeof acked) == sizeof acked);
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status));
  uint64_t more = 0;
  while (read(fds[0], &more, sizeof more) == sizeof more) acked = more;
  close(fds[0]);

  auto store = testing::open_store(dir);
  const auto cursor = store->get_state("link.cursor.s");
  REQUIRE(cursor);
  REQUIRE(*cursor);
  const uint64_t stored_cursor = std::stoull(**cursor);
  INFO("acknowledged up to " << acked << ", cursor " << stored_cursor);
  CHECK(stored_cursor >= acked);
  CHECK(stored_events(*store) == stored_cursor * kEventsPerBatch);
}

}  // namespace
}  // namespace vigil::storage
