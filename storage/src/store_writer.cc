#include "store_writer.h"

#include <pthread.h>
#include <rocksdb/perf_level.h>

#include <memory>
#include <utility>
#include <vector>

namespace vigil::storage {

StoreWriter::StoreWriter(rocksdb::DB* db, std::string dir, bool sync)
    : db_(db), dir_(std::move(dir)), sync_(sync), thread_([this] { run(); }) {}

StoreWriter::~StoreWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  room_.notify_all();
  thread_.join();
}

void StoreWriter::submit(rocksdb::WriteBatch batch, std::string what, Done done, bool sync) {
  {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [this] { return stopping_ || queue_.size() < kMaxQueued; });
    if (!stopping_) {
      queue_.push_back(Request{std::move(batch), std::move(what), std::move(done), sync});
      wake_.notify_one();
      return;
    }
  }
  done(fail(ErrorCode::internal, "data dir " + dir_ + ": the store is closing: cannot " + what));
}

std::future<Result<void>> StoreWriter::submit(rocksdb::WriteBatch batch, std::string what, bool sync) {
  auto promise = std::make_shared<std::promise<Result<void>>>();
  auto future = promise->get_future();
  submit(
      std::move(batch), std::move(what), [promise](Result<void> result) { promise->set_value(std::move(result)); },
      sync);
  return future;
}

Result<void> StoreWriter::write(rocksdb::WriteBatch batch, std::string what, bool sync) {
  return submit(std::move(batch), std::move(what), sync).get();
}

void StoreWriter::run() {
  pthread_setname_np(pthread_self(), "vigil-writer");  // names it in top, perf and gdb
  // RocksDB counts every key comparison in a thread-local perf context by default; in the
  // memtable inserts that was about 6 % of all CPU (TLS lookups from a shared library).
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  std::deque<Request> group;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything submitted is written
      group.swap(queue_);
    }
    room_.notify_all();
    commit(group);
    group.clear();
  }
}

void StoreWriter::commit(std::deque<Request>& group) {
  rocksdb::WriteOptions options;  // never sync here: one flush below covers the whole group
  std::vector<rocksdb::Status> written;
  written.reserve(group.size());
  bool any_written = false;
  bool sync = sync_;
  for (auto& request : group) {
    written.push_back(db_->Write(options, &request.batch));
    any_written = any_written || written.back().ok();
    sync = sync || request.sync;
  }
  // With manual_wal_flush the batches sit in RocksDB's WAL buffer until this flush; only after
  // it does a kill -9 leave them in the log (and only after the fsync does a power cut).
  rocksdb::Status flushed;
  if (any_written) flushed = db_->FlushWAL(sync);
  for (size_t i = 0; i < group.size(); ++i) {
    auto& request = group[i];
    const rocksdb::Status& status = !written[i].ok() ? written[i] : flushed;
    if (status.ok()) {
      request.done(ok());
    } else {
      request.done(fail(status.IsCorruption() ? ErrorCode::corrupt_data : ErrorCode::io_error,
                        "data dir " + dir_ + ": cannot " + request.what + ": " + status.ToString()));
    }
  }
}

}  // namespace vigil::storage
