// RocksStore: the RocksDB-backed EventStore, IncidentStore and StateStore of one data dir.
// daemon/ opens it read-write at startup and hands it to the pipeline and the control API;
// the CLI opens a data dir read-only while no daemon writes it.
// Thread contract: every method may be called from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/interfaces.h"
#include "vigil/core/result.h"

namespace vigil::storage {

struct StoreOptions {
  bool create_if_missing = true;
  // fsync the write-ahead log before a write returns. Off, an acknowledged write survives a
  // crash of the process (kill -9) but not of the machine.
  bool sync_writes = false;
  // Reads only, without taking the data dir's lock; for a dir no process is writing.
  bool read_only = false;
};

class RocksStore final : public EventStore, public IncidentStore, public StateStore {
 public:
  // The newest on-disk schema this build reads and writes.
  static constexpr uint32_t kSchemaVersion = 1;

  // Opens (or creates) the store in `dir`. Fails, naming the dir, when it is missing and
  // create_if_missing is off, holds something other than a vigil store, is corrupt, is locked
  // by another writer, or was written by a newer schema.
  static Result<std::unique_ptr<RocksStore>> open(const std::string& dir, const StoreOptions& options);

  ~RocksStore() override;
  RocksStore(const RocksStore&) = delete;
  RocksStore& operator=(const RocksStore&) = delete;

  const std::string& dir() const;
  bool read_only() const;
  uint32_t schema_version() const;  // as stored in the dir

  // EventStore. query() with limit 0, or from >= until, returns nothing.
  Result<void> append(std::span<const Event> events) override;
  Result<std::vector<Event>> query(const EventQuery& query) override;

  // IncidentStore. put() replaces the record with the same id.
  Result<void> put(const Incident& incident) override;
  Result<std::optional<Incident>> get(std::string_view id) override;
  Result<std::vector<Incident>> list(const IncidentQuery& query) override;
  Result<uint64_t> next_incident_number() override;

  // StateStore.
  Result<void> put_state(std::string_view key, std::string_view value) override;
  Result<std::optional<std::string>> get_state(std::string_view key) override;
  Result<void> erase_state(std::string_view key) override;

 private:
  struct Impl;  // RocksDB handles stay out of this header
  explicit RocksStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::storage
