#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <set>

#include "storage/store_fixtures.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::storage {
namespace {

constexpr uint64_t kBatchSize = 25;
constexpr uint32_t kMaxBatches = 5000;  // the child stops here even if nobody kills it

constexpr uint32_t kInFlight = 8;        // batches queued at the writer at once, as the sensor link keeps them
constexpr uint32_t kFirstSid = 100'000;  // batch b's alerts carry sid kFirstSid + b

// Each batch has its own source address and signature, so its index entries can be checked apart.
IpAddress batch_source(uint32_t batch) { return IpAddress::v4(0x0a000001u + (batch << 8)); }

std::vector<Event> batch_events(uint32_t batch) {
  std::vector<Event> events;
  for (uint64_t i = 0; i < kBatchSize; ++i) {
    Event event = testing::alert_event(seconds(batch) + static_cast<Timestamp>(i), batch * 1000ULL + i, kFirstSid + batch);
    event.src_ip = batch_source(batch);
    events.push_back(event);
  }
  return events;
}

// The child keeps several batches in flight and acknowledges each one from its durability
// callback (on the store's writer thread), like the sensor link will.
[[noreturn]] void run_writer(const std::string& dir, int ack_fd, bool sync) {
  StoreOptions options;
  options.sync_writes = sync;
  auto store = RocksStore::open(dir, options);
  if (!store) _exit(2);
  std::vector<std::future<Result<void>>> pending;
  std::atomic<bool> failed{false};
  for (uint32_t batch = 0; batch < kMaxBatches; ++batch) {
    std::promise<Result<void>> promise;
    pending.push_back(promise.get_future());
    (*store)->append_async(batch_events(batch), [batch, ack_fd, &failed, p = std::make_shared<std::promise<Result<void>>>(
                                                                            std::move(promise))](Result<void> done) {
      if (!done || write(ack_fd, &batch, sizeof batch) != sizeof batch) failed = true;
      p->set_value(ok());
    });
    if (pending.size() >= kInFlight) {
      (void)pending.front().get();
      pending.erase(pending.begin());
    }
    if (failed) _exit(3);
  }
  _exit(0);
}

class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  ~Child() { kill_now(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  void kill_now() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      killed_by_signal_ = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
      pid_ = -1;
    }
  }
  bool killed_by_signal() const { return killed_by_signal_; }

 private:
  pid_t pid_;
  bool killed_by_signal_ = false;
};

// Every acknowledged batch is there whole with its index entries; any later batch is there whole
// or not at all.
void check_batches(RocksStore& store, const std::set<uint32_t>& acked) {
  EventQuery query;
  query.newest_first = false;
  query.limit = 1'000'000;
  auto events = store.query(query);
  REQUIRE(events);
  std::map<uint64_t, uint64_t> per_batch;
  for (const auto& event : *events) ++per_batch[event.seq / 1000];
  for (uint32_t batch : acked) {
    INFO("batch " << batch);
    CHECK(per_batch[batch] == kBatchSize);
    EventQuery by_source;
    by_source.src = Cidr(batch_source(batch), 32);
    by_source.limit = 1000;
    auto from_index = store.query(by_source);
    REQUIRE(from_index);
    CHECK(from_index->size() == kBatchSize);
    EventQuery by_sid;
    by_sid.signature_id = kFirstSid + batch;
    by_sid.limit = 1000;
    from_index = store.query(by_sid);
    REQUIRE(from_index);
    CHECK(from_index->size() == kBatchSize);
  }
  for (const auto& [batch, count] : per_batch) {
    INFO("batch " << batch);
    CHECK(count == kBatchSize);
  }
}

TEST_CASE("every acknowledged batch survives kill -9 of the writer", "[storage]") {
  const bool sync = GENERATE(false, true);
  INFO("sync_writes " << sync);
  testing::TempDir tmp;
  const std::string dir = tmp.sub();
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    run_writer(dir, fds[1], sync);
  }
  close(fds[1]);
  Child child(pid);

  std::set<uint32_t> acked;
  uint32_t batch = 0;
  while (acked.size() < 40) {
    pollfd ready{fds[0], POLLIN, 0};
    REQUIRE(poll(&ready, 1, 10'000) == 1);  // a stuck child fails the test instead of hanging it
    REQUIRE(read(fds[0], &batch, sizeof batch) == sizeof batch);
    acked.insert(batch);
  }
  child.kill_now();
  CHECK(child.killed_by_signal());
  // Acks written before the kill but not yet read only raise the bar.
  while (read(fds[0], &batch, sizeof batch) == sizeof batch) acked.insert(batch);
  close(fds[0]);
  INFO(acked.size() << " batches acknowledged, the last " << *acked.rbegin());

  StoreOptions read_only;
  read_only.read_only = true;
  check_batches(*testing::open_store(dir, read_only), acked);  // recovers from the WAL alone
  check_batches(*testing::open_store(dir), acked);
}

}  // namespace
}  // namespace vigil::storage
