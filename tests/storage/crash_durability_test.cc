#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <map>

#include "storage/store_fixtures.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::storage {
namespace {

constexpr uint64_t kBatchSize = 25;
constexpr uint32_t kMaxBatches = 5000;  // the child stops here even if nobody kills it

std::vector<Event> batch_events(uint32_t batch) {
  std::vector<Event> events;
  for (uint64_t i = 0; i < kBatchSize; ++i) {
    events.push_back(testing::alert_event(seconds(batch) + static_cast<Timestamp>(i), batch * 1000ULL + i));
  }
  return events;
}

// The child writes, acknowledging each batch only after append() returned, like the sensor link.
[[noreturn]] void run_writer(const std::string& dir, int ack_fd) {
  StoreOptions options;
  options.sync_writes = true;
  auto store = RocksStore::open(dir, options);
  if (!store) _exit(2);
  for (uint32_t batch = 0; batch < kMaxBatches; ++batch) {
    if (!(*store)->append(batch_events(batch))) _exit(3);
    if (write(ack_fd, &batch, sizeof batch) != sizeof batch) _exit(4);
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

// Every acknowledged batch is there whole; any later batch is there whole or not at all.
void check_batches(RocksStore& store, uint32_t last_acked) {
  EventQuery query;
  query.newest_first = false;
  query.limit = 1'000'000;
  auto events = store.query(query);
  REQUIRE(events);
  std::map<uint64_t, uint64_t> per_batch;
  for (const auto& event : *events) ++per_batch[event.seq / 1000];
  for (uint32_t batch = 0; batch <= last_acked; ++batch) {
    INFO("batch " << batch);
    CHECK(per_batch[batch] == kBatchSize);
  }
  for (const auto& [batch, count] : per_batch) {
    INFO("batch " << batch);
    CHECK(count == kBatchSize);
  }
}

TEST_CASE("every acknowledged batch survives kill -9 of the writer", "[storage]") {
  testing::TempDir tmp;
  const std::string dir = tmp.sub();
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    run_writer(dir, fds[1]);
  }
  close(fds[1]);
  Child child(pid);

  uint32_t last_acked = 0;
  int acks = 0;
  while (acks < 8) {
    pollfd ready{fds[0], POLLIN, 0};
    REQUIRE(poll(&ready, 1, 10'000) == 1);  // a stuck child fails the test instead of hanging it
    REQUIRE(read(fds[0], &last_acked, sizeof last_acked) == sizeof last_acked);
    ++acks;
  }
  child.kill_now();
  CHECK(child.killed_by_signal());
  // Acks written before the kill but not yet read only raise the bar.
  uint32_t later = 0;
  while (read(fds[0], &later, sizeof later) == sizeof later) last_acked = later;
  close(fds[0]);
  INFO("last acknowledged batch " << last_acked);

  StoreOptions read_only;
  read_only.read_only = true;
  check_batches(*testing::open_store(dir, read_only), last_acked);  // recovers from the WAL alone
  check_batches(*testing::open_store(dir), last_acked);
}

}  // namespace
}  // namespace vigil::storage
