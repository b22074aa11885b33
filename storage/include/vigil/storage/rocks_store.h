// RocksStore: the RocksDB-backed EventStore, IncidentStore and StateStore of one data dir, plus
// its audit chain, retention, checkpoints and checks. daemon/ opens it read-write at startup and
// hands it to the pipeline and the control API; the CLI opens a data dir read-only while a daemon
// may write it, and read-write for `admin backup` when none does.
// Thread contract: every method may be called from several threads at once. Every write goes
// through one internal writer thread that group-commits; a write returns (or its future becomes
// ready) only once it is durable by the sync policy.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/core/interfaces.h"
#include "vigil/core/result.h"
#include "vigil/storage/audit.h"
#include "vigil/storage/retention.h"
#include "vigil/storage/store_stats.h"

namespace vigil::storage {

struct StoreOptions {
  bool create_if_missing = true;
  // Sync policy. Off: a write is acknowledged once it is in the write-ahead log file (the OS has
  // it), so it survives kill -9 of the process but not a power cut. On: also fsynced before the
  // acknowledgement; batches waiting together share one fsync (group commit).
  bool sync_writes = false;
  // Reads only, without taking the data dir's lock; for a dir no process is writing or for
  // looking at a live one (it sees the state at open time).
  bool read_only = false;
};

// In the error open() returns for a dir another writer holds: `vigil admin backup` sees it and
// asks the daemon that holds the dir instead.
inline constexpr std::string_view kLockedByWriter = "is already open for writing";

// The state key of the event counter: the next event's seq. `vigild` and `vigil replay` share it, so
// either may write a data dir after the other; each stores it with the events it numbered.
inline constexpr const char* kNextSeqStateKey = "pipeline.next_seq";

class RocksStore final : public EventStore, public IncidentStore, public StateStore {
 public:
  // The newest on-disk schema this build reads and writes. 1: JSON events in one time order
  // (development builds before issue 5); 2: per-class keys, binary events, day-partitioned index;
  // 3: the index's entries are per-batch posting lists.
  static constexpr uint32_t kSchemaVersion = 3;

  // Opens (or creates) the store in `dir`. Fails, naming the dir, when it is missing and
  // create_if_missing is off, holds something other than a vigil store, is corrupt, is locked
  // by another writer, or was written by another schema.
  static Result<std::unique_ptr<RocksStore>> open(const std::string& dir, const StoreOptions& options);

  ~RocksStore() override;  // waits for queued writes
  RocksStore(const RocksStore&) = delete;
  RocksStore& operator=(const RocksStore&) = delete;

  const std::string& dir() const;
  bool read_only() const;
  uint32_t schema_version() const;  // as stored in the dir

  // EventStore. One append is one atomic batch: every event and all its index entries, or none.
  // query() with limit 0, or from >= until, returns nothing; a bad cursor is invalid_argument.
  Result<void> append(std::span<const Event> events) override;
  Result<std::vector<Event>> query(const EventQuery& query) override;
  Result<EventPage> query_page(const EventQuery& query) override;
  Result<std::vector<EventCount>> count(const EventQuery& query, EventCountKey key) override;
  // The event stored under `ref` (an incident's reference), whatever its type; nullopt when gone.
  Result<std::optional<Event>> event_at(EventRef ref);
  // The batch is encoded on the calling thread and queued; the future is ready once it is
  // durable (or failed). The sensor link and the pipeline keep several in flight.
  std::future<Result<void>> append_async(std::span<const Event> events);
  // Same, but `on_durable` runs on the writer thread once the batch is durable or failed.
  void append_async(std::span<const Event> events, std::function<void(Result<void>)> on_durable);
  // Events plus state entries (the pipeline's event counter, a sensor link's cursor) in ONE atomic
  // write batch: after a crash either all of them are there or none is, so a counter never lags the
  // events it numbered and a link cursor never names a batch whose events are missing. `sync`
  // fsyncs before returning even when the store's sync_writes is off (the sensor link deletes its
  // only other copy on the acknowledgement that follows).
  Result<void> append_with_state(std::span<const Event> events,
                                 std::span<const std::pair<std::string, std::string>> state, bool sync);

  // IncidentStore. put() replaces the record with the same id and its index entries.
  Result<void> put(const Incident& incident) override;
  Result<std::optional<Incident>> get(std::string_view id) override;
  Result<std::vector<Incident>> list(const IncidentQuery& query) override;
  Result<IncidentPage> list_page(const IncidentQuery& query);
  // How many incidents are in each state (new ... closed, in that order), counted over the state
  // index's keys without reading a record: cheap enough for every metrics scrape.
  Result<std::vector<std::pair<IncidentState, uint64_t>>> count_incidents_by_state();
  Result<uint64_t> next_incident_number() override;

  // StateStore.
  Result<void> put_state(std::string_view key, std::string_view value) override;
  Result<std::optional<std::string>> get_state(std::string_view key) override;
  Result<void> erase_state(std::string_view key) override;

  // Audit chain. append_audit() ignores entry.seq, stores the entry with the SHA-256 of the one
  // before it and returns the seq it got. verify_audit() walks the chain from the oldest kept
  // entry and names the first entry that was changed, removed or put out of place.
  Result<uint64_t> append_audit(const AuditEntry& entry);
  Result<std::vector<AuditEntry>> audit_entries(uint64_t from_seq, size_t limit);
  Result<AuditVerdict> verify_audit();

  // Deletes, per data class, everything older than its retention counted back from the UTC
  // midnight before `now`, by whole key ranges. Open incidents are kept whatever their age.
  Result<RetentionReport> apply_retention(const RetentionPolicy& policy, Timestamp now);

  // A consistent copy of the store in `to_dir` (which must not exist yet), taken while writes go
  // on: hard links to the table files where the file system allows, plus the WAL.
  Result<void> checkpoint(const std::string& to_dir);
  Result<StoreStats> stats();
  // Verifies every table block's checksum, decodes every event and incident, verifies the audit
  // chain. Problems are in the report; an error means the check itself could not run.
  Result<CheckReport> check();
  // Flushes memtables and compacts everything (benchmarks and `stats` after bulk loads).
  Result<void> compact();

 private:
  struct Impl;  // RocksDB handles stay out of this header
  explicit RocksStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::storage
