// The one writer: many producers' batches all land, each acknowledged once it is durable; a
// store closed with batches queued writes them first; a read-only store refuses at once.
#include <catch2/catch.hpp>
#include <atomic>
#include <future>
#include <thread>

#include "storage/store_fixtures.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::storage {
namespace {

using testing::alert_event;
using testing::open_store;
using testing::TempDir;

std::vector<Event> batch(uint64_t first_seq, size_t size) {
  std::vector<Event> events;
  for (size_t i = 0; i < size; ++i) {
    events.push_back(alert_event(seconds(1) + static_cast<Timestamp>(first_seq + i), first_seq + i));
  }
  return events;
}

size_t stored(RocksStore& store) {
  EventQuery q;
  q.limit = 1'000'000;
  auto events = store.query(q);
  REQUIRE(events);
  return events->size();
}

TEST_CASE("batches from several threads kept in flight are all acknowledged and all stored", "[storage]") {
  TempDir tmp;
  StoreOptions options;
  options.sync_writes = GENERATE(false, true);
  auto store = open_store(tmp.sub(), options);
  constexpr int kThreads = 4;
  constexpr int kBatches = 50;
  constexpr size_t kSize = 20;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::future<Result<void>>> futures;
      for (int b = 0; b < kBatches; ++b) {
        futures.push_back(store->append_async(batch(static_cast<uint64_t>(t * kBatches + b) * kSize, kSize)));
      }
      for (auto& future : futures) {
        if (!future.get()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == 0);
  CHECK(stored(*store) == kThreads * kBatches * kSize);
}

TEST_CASE("the durability callback runs once per batch, after the batch is readable", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  // Catch2 assertions are not thread-safe: the writer thread only records, the test thread checks.
  std::atomic<int> calls{0};
  std::atomic<bool> succeeded{false};
  std::promise<size_t> seen;
  store->append_async(batch(1, 7), [&](Result<void> done) {
    succeeded = static_cast<bool>(done);
    if (calls.fetch_add(1) == 0) seen.set_value(stored(*store));
  });
  CHECK(seen.get_future().get() == 7);
  store.reset();  // the writer thread has finished: no later call can come
  CHECK(succeeded);
  CHECK(calls == 1);
}

TEST_CASE("closing the store writes every batch still queued", "[storage]") {
  TempDir tmp;
  std::vector<std::future<Result<void>>> futures;
  {
    auto store = open_store(tmp.sub());
    for (uint64_t b = 0; b < 100; ++b) futures.push_back(store->append_async(batch(b * 10, 10)));
  }
  for (auto& future : futures) CHECK(future.get());
  CHECK(stored(*open_store(tmp.sub())) == 1000);
}

TEST_CASE("a read-only store answers an async append with an error at once", "[storage]") {
  TempDir tmp;
  { auto store = open_store(tmp.sub()); }
  StoreOptions options;
  options.read_only = true;
  auto store = open_store(tmp.sub(), options);
  auto done = store->append_async(batch(1, 3)).get();
  REQUIRE(!done);
  CHECK(done.error().message == "data dir " + tmp.sub() + " is open read-only: cannot append events");
}

}  // namespace
}  // namespace vigil::storage
