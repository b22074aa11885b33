// RocksStore's private state, shared by the .cc files that implement its parts (events,
// incidents, audit, retention, maintenance). Private to storage/.
// Thread contract: as RocksStore; the mutexes below are the only shared mutable state besides
// RocksDB itself.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "schema.h"
#include "store_writer.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::storage {

enum Cf : size_t { kEvents, kIncidents, kIndex, kState, kAudit, kMeta };

std::shared_ptr<spdlog::logger> logger();
ErrorCode error_code(const rocksdb::Status& status);
Unexpected rocks_failure(const std::string& dir, std::string_view what, const rocksdb::Status& status);
inline rocksdb::Slice slice(std::string_view text) { return {text.data(), text.size()}; }
inline std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

struct RocksStore::Impl {
  std::string dir;
  StoreOptions options;
  uint32_t schema_version = 0;
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // every CF opened, ours and any others
  std::array<rocksdb::ColumnFamilyHandle*, schema::kColumnFamilies.size()> cf{};
  std::unique_ptr<StoreWriter> writer;  // null when read-only

  std::mutex incident_mutex;  // put(): the old record read and the new write are one step
  std::mutex counter_mutex;
  uint64_t incident_counter = 0;  // last number issued, as stored in meta
  std::mutex audit_mutex;         // append_audit(): reading the head and writing the next entry
  std::optional<std::pair<uint64_t, std::string>> audit_head;  // seq, raw sha256 of the last entry
  std::mutex retention_mutex;

  ~Impl();

  Result<void> open_db(bool fresh);
  Result<void> load_meta(bool fresh);
  Result<void> load_audit_head();

  Result<void> check_writable(std::string_view what) const;
  Result<void> write(rocksdb::WriteBatch batch, std::string what);
  Result<std::optional<std::string>> read(Cf family, std::string_view key, const rocksdb::ReadOptions& read_options,
                                          std::string_view what);
  Result<bool> is_empty(rocksdb::ColumnFamilyHandle* handle);
  Result<Event> decode_event(std::string_view key, std::string_view value);
  Result<Incident> decode_incident(std::string_view key, std::string_view value);
  Result<rocksdb::WriteBatch> event_batch(std::span<const Event> events);
  // Walks every event matching `q` in its order, up to `limit`, calling `take` for each; returns
  // the ref of the last one taken.
  Result<std::optional<EventRef>> scan_events(const EventQuery& q, size_t limit,
                                              const std::function<void(Event&&)>& take);

  // Walks the incident index newest first_seen first, from `hi` (an index suffix) down to query.from,
  // handing each incident that matches every filter of `query` to `take` until it returns false.
  Result<void> walk_incidents(const IncidentQuery& query, std::string hi, const std::function<bool(Incident&&)>& take);
  // Whether one of the incident's referenced events was seen by a sensor of `zone`.
  Result<bool> incident_in_zone(const Incident& incident, std::string_view zone, const rocksdb::ReadOptions& read_options);

  // A snapshot for a multi-read query (none in read-only mode: nothing changes there).
  struct ReadView {
    std::optional<rocksdb::ManagedSnapshot> snapshot;
    rocksdb::ReadOptions options;
  };
  void read_view(ReadView& view);
};

}  // namespace vigil::storage
