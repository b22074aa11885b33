// StoreWriter: the one thread that writes to a data dir. Callers hand it finished WriteBatches;
// it takes every batch waiting, writes them one after another (each atomic), makes the group
// durable with one WAL flush (and one fsync when the sync policy asks), then tells each caller.
// This is group commit: under load many batches share one flush/fsync.
// Thread contract: submit() from any thread; callbacks run on the writer thread and must be quick.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "vigil/core/result.h"

namespace vigil::storage {

class StoreWriter {
 public:
  using Done = std::function<void(Result<void>)>;

  // The DB must use manual_wal_flush: durability is the writer's FlushWAL, not each Write.
  StoreWriter(rocksdb::DB* db, std::string dir, bool sync);
  ~StoreWriter();  // writes what is queued, then stops
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  // Blocks while kMaxQueued batches already wait: memory stays bounded when producers outrun the disk.
  static constexpr size_t kMaxQueued = 256;
  // `sync`: fsync this batch's group even when the writer's policy does not (the group shares it).
  void submit(rocksdb::WriteBatch batch, std::string what, Done done, bool sync = false);
  std::future<Result<void>> submit(rocksdb::WriteBatch batch, std::string what, bool sync = false);
  // submit() and wait.
  Result<void> write(rocksdb::WriteBatch batch, std::string what, bool sync = false);

 private:
  struct Request {
    rocksdb::WriteBatch batch;
    std::string what;
    Done done;
    bool sync = false;
  };
  void run();
  void commit(std::deque<Request>& group);

  rocksdb::DB* db_;
  std::string dir_;
  bool sync_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable room_;  // a producer far ahead of the disk waits for the queue to drain
  std::deque<Request> queue_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after everything it uses
};

}  // namespace vigil::storage
