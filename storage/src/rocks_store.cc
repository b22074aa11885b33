#include "vigil/storage/rocks_store.h"

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <utility>

#include "schema.h"
#include "vigil/core/eve_json.h"

namespace vigil::storage {
namespace {

namespace fs = std::filesystem;

enum Cf : size_t { kEvents, kIncidents, kIndex, kState, kAudit, kMeta };

std::shared_ptr<spdlog::logger> logger() {
  static const std::shared_ptr<spdlog::logger> log = [] {
    if (auto existing = spdlog::get("storage")) {
      return existing;
    }
    auto created = spdlog::default_logger()->clone("storage");
    try {
      spdlog::register_logger(created);
    } catch (const spdlog::spdlog_ex&) {
      // Another thread registered it first; either logger writes to the same sinks.
    }
    return created;
  }();
  return log;
}

ErrorCode error_code(const rocksdb::Status& status) {
  if (status.IsCorruption()) return ErrorCode::corrupt_data;
  if (status.IsNotFound()) return ErrorCode::not_found;
  if (status.IsInvalidArgument()) return ErrorCode::invalid_argument;
  if (status.IsNotSupported()) return ErrorCode::unsupported;
  if (status.IsIOError()) return ErrorCode::io_error;
  return ErrorCode::internal;
}

Unexpected rocks_failure(const std::string& dir, std::string_view what, const rocksdb::Status& status) {
  return fail(error_code(status), "data dir " + dir + ": " + std::string(what) + ": " + status.ToString());
}

rocksdb::Slice slice(std::string_view text) { return {text.data(), text.size()}; }
std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

// Checked before RocksDB sees the dir, because RocksDB would happily create a store inside any
// non-empty directory, such as a mistyped path to someone's home. true = a store is to be created.
Result<bool> check_dir(const std::string& dir, const StoreOptions& options) {
  std::error_code ec;
  const auto status = fs::status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return fail(ErrorCode::io_error, "data dir " + dir + ": " + ec.message());
  }
  const bool writable = !options.read_only;
  if (!fs::exists(status)) {
    if (!options.create_if_missing || !writable) {
      return fail(ErrorCode::not_found,
                  "data dir " + dir + " does not exist" +
                      (writable ? " (and create_if_missing is off)" : " (a read-only open never creates one)"));
    }
    fs::create_directories(dir, ec);
    if (ec) {
      return fail(ErrorCode::io_error, "cannot create data dir " + dir + ": " + ec.message());
    }
    return true;
  }
  if (!fs::is_directory(status)) {
    return fail(ErrorCode::invalid_argument, "data dir " + dir + " is not a directory");
  }
  if (fs::exists(fs::path(dir) / "CURRENT", ec)) {
    return false;
  }
  const bool empty = fs::is_empty(dir, ec);
  if (ec) {
    return fail(ErrorCode::io_error, "data dir " + dir + ": " + ec.message());
  }
  if (!empty) {
    return fail(ErrorCode::invalid_argument,
                "data dir " + dir + " is not a vigil data dir (not empty, and no RocksDB store in it)");
  }
  if (!options.create_if_missing || !writable) {
    return fail(ErrorCode::not_found, "data dir " + dir + " is empty: no vigil store in it");
  }
  return true;
}

// The stored schema version as a number this build can read.
Result<uint32_t> parse_schema_version(const std::string& dir, const std::string& text) {
  const auto version = schema::parse_counter(text);
  if (!version || *version == 0 || *version > UINT32_MAX) {
    return fail(ErrorCode::corrupt_data, "data dir " + dir + ": unreadable schema version '" + text + "'");
  }
  if (*version > RocksStore::kSchemaVersion) {
    return fail(ErrorCode::unsupported, "data dir " + dir + " was written by a newer vigil (schema " +
                                            std::to_string(*version) + ", this build reads up to " +
                                            std::to_string(RocksStore::kSchemaVersion) + ")");
  }
  return static_cast<uint32_t>(*version);
}

// Looks at an existing store through a read-only open of the default and meta column families
// alone, before the real open, so that what must be refused is refused before anything is
// written: a newer schema may use options (comparators, merge operators, column families) this
// build cannot open with and must be refused by its version, not by RocksDB's complaint; and a
// store without meta may only be an empty one whose creation stopped early, never someone's data.
Result<void> probe_before_open(const std::string& dir, const rocksdb::DBOptions& db_options, bool has_meta) {
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  if (has_meta) {
    descriptors.emplace_back(std::string(schema::kMetaCf), rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto status = rocksdb::DB::OpenForReadOnly(db_options, dir, descriptors, &handles, &raw);
  if (!status.ok()) {
    return rocks_failure(dir, "cannot open the store", status);
  }
  Result<void> verdict = ok();
  if (has_meta) {
    std::string value;
    status = raw->Get(rocksdb::ReadOptions(), handles[1], slice(schema::kSchemaVersionKey), &value);
    if (status.ok()) {
      if (auto version = parse_schema_version(dir, value); !version) {
        verdict = fail(version.error());
      }
    } else if (!status.IsNotFound()) {
      verdict = rocks_failure(dir, "cannot read the schema version", status);
    }
  } else {
    std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(rocksdb::ReadOptions(), handles[0]));
    it->SeekToFirst();
    if (!it->status().ok()) {
      verdict = rocks_failure(dir, "cannot scan the store", it->status());
    } else if (it->Valid()) {
      verdict = fail(ErrorCode::invalid_argument,
                     "data dir " + dir + " is not a vigil data dir (a RocksDB store with data but no vigil column families)");
    }
  }
  for (auto* handle : handles) {
    if (const auto released = raw->DestroyColumnFamilyHandle(handle); !released.ok()) {
      logger()->warn("data dir {}: cannot release a column family handle: {}", dir, released.ToString());
    }
  }
  if (const auto closed = raw->Close(); !closed.ok()) {
    logger()->warn("data dir {}: closing the probe failed: {}", dir, closed.ToString());
  }
  delete raw;
  return verdict;
}

}  // namespace

struct RocksStore::Impl {
  std::string dir;
  StoreOptions options;
  uint32_t schema_version = 0;
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // every CF opened, ours and any others
  std::array<rocksdb::ColumnFamilyHandle*, schema::kColumnFamilies.size()> cf{};
  rocksdb::WriteOptions write_options;

  std::mutex incident_mutex;  // put(): the old state read and the new write are one step
  std::mutex counter_mutex;
  uint64_t incident_counter = 0;  // last number issued, as stored in meta

  ~Impl() {
    if (db == nullptr) {
      return;
    }
    for (auto* handle : handles) {
      const auto status = db->DestroyColumnFamilyHandle(handle);
      if (!status.ok()) {
        logger()->error("data dir {}: cannot release a column family handle: {}", dir, status.ToString());
      }
    }
    const auto status = db->Close();
    if (!status.ok()) {
      logger()->error("data dir {}: close failed: {}", dir, status.ToString());
    }
    delete db;
  }

  Result<void> check_writable(std::string_view what) const {
    if (options.read_only) {
      return fail(ErrorCode::invalid_argument, "data dir " + dir + " is open read-only: cannot " + std::string(what));
    }
    return ok();
  }

  Result<void> write(rocksdb::WriteBatch& batch, std::string_view what) {
    const auto status = db->Write(write_options, &batch);
    if (!status.ok()) {
      return rocks_failure(dir, what, status);
    }
    return ok();
  }

  Result<std::optional<std::string>> read(Cf family, std::string_view key, const rocksdb::ReadOptions& read_options,
                                          std::string_view what) {
    std::string value;
    const auto status = db->Get(read_options, cf[family], slice(key), &value);
    if (status.IsNotFound()) {
      return std::optional<std::string>();
    }
    if (!status.ok()) {
      return rocks_failure(dir, what, status);
    }
    return std::optional<std::string>(std::move(value));
  }

  Result<bool> is_empty(rocksdb::ColumnFamilyHandle* handle) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handle));
    it->SeekToFirst();
    if (!it->status().ok()) {
      return rocks_failure(dir, "cannot scan column family " + handle->GetName(), it->status());
    }
    return !it->Valid();
  }

  Result<Event> decode_event(std::string_view key, std::string_view value) {
    const auto ref = schema::parse_event_key(key);
    if (!ref) {
      return fail(ErrorCode::corrupt_data, "data dir " + dir + ": an events key is not 16 bytes long");
    }
    const auto where = [&] {
      return "data dir " + dir + ": event at " + std::to_string(ref->timestamp) + "/" + std::to_string(ref->seq);
    };
    if (value.empty() || value[0] != schema::kEventFormatV1) {
      return fail(ErrorCode::corrupt_data, where() + " has an unknown record format");
    }
    auto event = event_from_json(value.substr(1));
    if (!event) {
      return fail(event.error().with_context(where()));
    }
    // The key is the event's identity; seq is not part of EVE JSON at all.
    event->timestamp = ref->timestamp;
    event->seq = ref->seq;
    return event;
  }

  Result<Incident> decode_incident(std::string_view key, std::string_view value) {
    const auto where = [&] { return "data dir " + dir + ": incident " + std::string(key); };
    if (value.empty() || value[0] != schema::kIncidentFormatV1) {
      return fail(ErrorCode::corrupt_data, where() + " has an unknown record format");
    }
    auto incident = incident_from_json(value.substr(1));
    if (!incident) {
      return fail(incident.error().with_context(where()));
    }
    return incident;
  }

  Result<void> open_db(bool fresh);
  Result<void> load_meta(bool fresh);
};

Result<void> RocksStore::Impl::open_db(bool fresh) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = fresh;
  db_options.create_missing_column_families = !options.read_only;
  db_options.keep_log_file_num = 5;
  db_options.max_log_file_size = 16 << 20;
  // meta and state see few writes; without a bound their unflushed entries would keep every WAL
  // file alive until the default limit (several GB with six column families).
  db_options.max_total_wal_size = 256 << 20;

  std::vector<std::string> names;
  if (!fresh) {
    const auto status = rocksdb::DB::ListColumnFamilies(db_options, dir, &names);
    if (!status.ok()) {
      return rocks_failure(dir, "cannot read the store", status);
    }
    const auto has = [&](std::string_view name) { return std::find(names.begin(), names.end(), name) != names.end(); };
    const bool has_meta = has(schema::kMetaCf);
    if (!has_meta) {
      // Only a store whose creation stopped before our column families existed may lack them;
      // any other RocksDB store is someone else's and is left untouched.
      if (options.read_only || names.size() != 1) {
        std::string list;
        for (const auto& name : names) {
          list += (list.empty() ? "" : ", ") + name;
        }
        return fail(ErrorCode::invalid_argument,
                    "data dir " + dir + " holds a RocksDB store that is not vigil's (column families: " + list + ")");
      }
    }
    if (auto probed = probe_before_open(dir, db_options, has_meta); !probed) {
      return probed;
    }
  }
  // Every existing column family must be opened for writing (RocksDB refuses otherwise), even
  // one this build does not know.
  for (auto name : schema::kColumnFamilies) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.emplace_back(name);
    }
  }
  if (std::find(names.begin(), names.end(), rocksdb::kDefaultColumnFamilyName) == names.end()) {
    names.emplace_back(rocksdb::kDefaultColumnFamilyName);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names) {
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }

  rocksdb::Status status;
  if (options.read_only) {
    status = rocksdb::DB::OpenForReadOnly(db_options, dir, descriptors, &handles, &db);
  } else {
    status = rocksdb::DB::Open(db_options, dir, descriptors, &handles, &db);
  }
  if (!status.ok()) {
    db = nullptr;
    handles.clear();
    if (status.IsIOError() && status.ToString().find("lock") != std::string::npos) {
      return fail(ErrorCode::io_error, "data dir " + dir + " is already open for writing (by another process or in this one): " +
                                               status.ToString());
    }
    return rocks_failure(dir, "cannot open the store", status);
  }
  for (auto* handle : handles) {
    const auto it = std::find(schema::kColumnFamilies.begin(), schema::kColumnFamilies.end(), handle->GetName());
    if (it != schema::kColumnFamilies.end()) {
      cf[static_cast<size_t>(it - schema::kColumnFamilies.begin())] = handle;
    }
  }
  return ok();
}

Result<void> RocksStore::Impl::load_meta(bool fresh) {
  const rocksdb::ReadOptions read_options;
  auto stored = read(kMeta, schema::kSchemaVersionKey, read_options, "cannot read the schema version");
  if (!stored) {
    return fail(stored.error());
  }
  if (*stored) {
    auto version = parse_schema_version(dir, **stored);
    if (!version) {
      return fail(version.error());
    }
    schema_version = *version;
  } else {
    // A store without a version is either one we just created or one whose creation stopped
    // before the version was written; both are empty. Anything else is not ours to stamp.
    if (!fresh) {
      for (auto* handle : handles) {
        auto empty = is_empty(handle);
        if (!empty) {
          return fail(empty.error());
        }
        if (!*empty) {
          return fail(ErrorCode::invalid_argument, "data dir " + dir +
                                                       " is not a vigil data dir (it has data but no schema version)");
        }
      }
    }
    if (options.read_only) {
      return fail(ErrorCode::not_found, "data dir " + dir + " holds an empty, unfinished vigil store");
    }
    rocksdb::WriteBatch batch;
    const auto status = batch.Put(cf[kMeta], slice(schema::kSchemaVersionKey),
                                  schema::format_counter(kSchemaVersion));
    if (!status.ok()) {
      return rocks_failure(dir, "cannot write the schema version", status);
    }
    rocksdb::WriteOptions synced;
    synced.sync = true;
    const auto written = db->Write(synced, &batch);
    if (!written.ok()) {
      return rocks_failure(dir, "cannot write the schema version", written);
    }
    schema_version = kSchemaVersion;
  }

  auto counter = read(kMeta, schema::kIncidentCounterKey, read_options, "cannot read the incident counter");
  if (!counter) {
    return fail(counter.error());
  }
  if (*counter) {
    const auto value = schema::parse_counter(**counter);
    if (!value) {
      return fail(ErrorCode::corrupt_data, "data dir " + dir + ": unreadable incident counter '" + **counter + "'");
    }
    incident_counter = *value;
  }
  return ok();
}

RocksStore::RocksStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RocksStore::~RocksStore() = default;

Result<std::unique_ptr<RocksStore>> RocksStore::open(const std::string& dir, const StoreOptions& options) {
  auto fresh = check_dir(dir, options);
  if (!fresh) {
    return fail(fresh.error());
  }
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->options = options;
  impl->write_options.sync = options.sync_writes;
  if (auto opened = impl->open_db(*fresh); !opened) {
    return fail(opened.error());
  }
  if (auto loaded = impl->load_meta(*fresh); !loaded) {
    return fail(loaded.error());
  }
  logger()->debug("opened data dir {} (schema {}{})", dir, impl->schema_version,
                 options.read_only ? ", read-only" : "");
  return std::unique_ptr<RocksStore>(new RocksStore(std::move(impl)));
}

const std::string& RocksStore::dir() const { return impl_->dir; }
bool RocksStore::read_only() const { return impl_->options.read_only; }
uint32_t RocksStore::schema_version() const { return impl_->schema_version; }

Result<void> RocksStore::append(std::span<const Event> events) {
  if (events.empty()) {
    return ok();
  }
  if (auto writable = impl_->check_writable("append events"); !writable) {
    return writable;
  }
  auto& cf = impl_->cf;
  rocksdb::WriteBatch batch;
  rocksdb::Status status;
  std::string value;
  const auto index = [&](const std::string& prefix, const std::string& key) {
    if (status.ok()) {
      status = batch.Put(cf[kIndex], prefix + key, rocksdb::Slice());
    }
  };
  for (const auto& event : events) {
    const auto key = schema::event_key(event.timestamp, event.seq);
    value.assign(1, schema::kEventFormatV1);
    value += to_eve_json(event);
    status = batch.Put(cf[kEvents], key, value);
    index(schema::type_index_prefix(event.type), key);
    if (event.alert) {
      index(schema::sid_index_prefix(event.alert->signature_id), key);
    }
    if (event.src_ip) {
      index(schema::src_index_prefix(*event.src_ip), key);
    }
    if (event.dest_ip) {
      index(schema::dst_index_prefix(*event.dest_ip), key);
    }
    if (!event.incident_id.empty()) {
      index(schema::incident_events_prefix(event.incident_id), key);
    }
    if (!status.ok()) {
      return rocks_failure(impl_->dir, "cannot batch an event", status);
    }
  }
  return impl_->write(batch, "cannot append " + std::to_string(events.size()) + " events");
}

Result<std::vector<Event>> RocksStore::query(const EventQuery& query) {
  std::vector<Event> out;
  if (query.limit == 0 || query.from >= query.until) {
    return out;
  }
  // An index narrows the scan to one signature or type; either way keys are ordered by event key
  // after the prefix, so the time bounds apply to both.
  std::string prefix;
  if (query.signature_id) {
    prefix = schema::sid_index_prefix(*query.signature_id);
  } else if (query.type) {
    prefix = schema::type_index_prefix(*query.type);
  }
  const std::string lower = prefix + schema::event_key(query.from, 0);
  const std::string upper = prefix + schema::event_key(query.until, 0);
  const rocksdb::Slice lower_slice(lower);
  const rocksdb::Slice upper_slice(upper);

  std::optional<rocksdb::ManagedSnapshot> snapshot;
  rocksdb::ReadOptions read_options;
  if (!impl_->options.read_only) {
    snapshot.emplace(impl_->db);
    read_options.snapshot = snapshot->snapshot();
  }
  rocksdb::ReadOptions scan_options = read_options;
  scan_options.iterate_lower_bound = &lower_slice;
  scan_options.iterate_upper_bound = &upper_slice;
  const bool indexed = !prefix.empty();
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(scan_options, impl_->cf[indexed ? kIndex : kEvents]));

  if (query.newest_first) {
    it->SeekToLast();
  } else {
    it->SeekToFirst();
  }
  for (; it->Valid() && out.size() < query.limit; query.newest_first ? it->Prev() : it->Next()) {
    std::string_view key = view(it->key());
    std::string indexed_value;
    std::string_view value;
    if (indexed) {
      key.remove_prefix(prefix.size());
      auto record = impl_->read(kEvents, key, read_options, "cannot read an indexed event");
      if (!record) {
        return fail(record.error());
      }
      if (!*record) {
        // Retention may remove events before their index entries; such an entry is skipped.
        continue;
      }
      indexed_value = std::move(**record);
      value = indexed_value;
    } else {
      value = view(it->value());
    }
    auto event = impl_->decode_event(key, value);
    if (!event) {
      return fail(event.error());
    }
    if (query.type && event->type != *query.type) {
      continue;
    }
    if (query.signature_id && (!event->alert || event->alert->signature_id != *query.signature_id)) {
      continue;
    }
    out.push_back(std::move(*event));
  }
  if (!it->status().ok()) {
    return rocks_failure(impl_->dir, "cannot scan events", it->status());
  }
  return out;
}

Result<void> RocksStore::put(const Incident& incident) {
  if (auto writable = impl_->check_writable("store an incident"); !writable) {
    return writable;
  }
  if (incident.id.empty()) {
    return fail(ErrorCode::invalid_argument, "cannot store an incident without an id");
  }
  auto& cf = impl_->cf;
  std::lock_guard lock(impl_->incident_mutex);

  auto old = impl_->read(kIncidents, incident.id, rocksdb::ReadOptions(), "cannot read incident " + incident.id);
  if (!old) {
    return fail(old.error());
  }
  std::vector<IncidentState> stale_states;
  if (*old) {
    auto previous = impl_->decode_incident(incident.id, **old);
    if (previous) {
      if (previous->state != incident.state) {
        stale_states.push_back(previous->state);
      }
    } else {
      // The old record cannot tell its state; clear every other state entry so none is left behind.
      logger()->warn("{}; replacing it", previous.error().message);
      for (auto state : {IncidentState::new_, IncidentState::acknowledged, IncidentState::investigating,
                         IncidentState::contained, IncidentState::resolved, IncidentState::closed}) {
        if (state != incident.state) {
          stale_states.push_back(state);
        }
      }
    }
  }

  rocksdb::WriteBatch batch;
  std::string value(1, schema::kIncidentFormatV1);
  value += to_json(incident);
  auto status = batch.Put(cf[kIncidents], incident.id, value);
  for (auto state : stale_states) {
    if (status.ok()) {
      status = batch.Delete(cf[kIndex], schema::state_index_prefix(state) + incident.id);
    }
  }
  if (status.ok()) {
    status = batch.Put(cf[kIndex], schema::state_index_prefix(incident.state) + incident.id, rocksdb::Slice());
  }
  if (!status.ok()) {
    return rocks_failure(impl_->dir, "cannot batch incident " + incident.id, status);
  }
  return impl_->write(batch, "cannot store incident " + incident.id);
}

Result<std::optional<Incident>> RocksStore::get(std::string_view id) {
  auto record = impl_->read(kIncidents, id, rocksdb::ReadOptions(), "cannot read incident " + std::string(id));
  if (!record) {
    return fail(record.error());
  }
  if (!*record) {
    return std::optional<Incident>();
  }
  auto incident = impl_->decode_incident(id, **record);
  if (!incident) {
    return fail(incident.error());
  }
  return std::optional<Incident>(std::move(*incident));
}

Result<std::vector<Incident>> RocksStore::list(const IncidentQuery& query) {
  std::vector<Incident> out;
  if (query.limit == 0) {
    return out;
  }
  std::optional<rocksdb::ManagedSnapshot> snapshot;
  rocksdb::ReadOptions read_options;
  if (!impl_->options.read_only) {
    snapshot.emplace(impl_->db);
    read_options.snapshot = snapshot->snapshot();
  }

  std::vector<IncidentState> states;
  if (query.state) {
    states.push_back(*query.state);
  } else if (query.open_only) {
    states = {IncidentState::new_, IncidentState::acknowledged, IncidentState::investigating,
              IncidentState::contained};
  }
  // The record, not the index entry, has the last word on state.
  const auto keep = [&](Incident incident) {
    if ((!query.state || incident.state == *query.state) && (!query.open_only || incident.is_open())) {
      out.push_back(std::move(incident));
    }
  };

  if (states.empty()) {
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(read_options, impl_->cf[kIncidents]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto incident = impl_->decode_incident(view(it->key()), view(it->value()));
      if (!incident) {
        return fail(incident.error());
      }
      keep(std::move(*incident));
    }
    if (!it->status().ok()) {
      return rocks_failure(impl_->dir, "cannot scan incidents", it->status());
    }
  }
  for (auto state : states) {
    const std::string prefix = schema::state_index_prefix(state);
    const std::string end = schema::prefix_end(prefix);
    const rocksdb::Slice lower(prefix);
    const rocksdb::Slice upper(end);
    rocksdb::ReadOptions scan_options = read_options;
    scan_options.iterate_lower_bound = &lower;
    scan_options.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(scan_options, impl_->cf[kIndex]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view id = view(it->key()).substr(prefix.size());
      auto record = impl_->read(kIncidents, id, read_options, "cannot read incident " + std::string(id));
      if (!record) {
        return fail(record.error());
      }
      if (!*record) {
        continue;  // an index entry whose incident is gone (retention), skipped
      }
      auto incident = impl_->decode_incident(id, **record);
      if (!incident) {
        return fail(incident.error());
      }
      keep(std::move(*incident));
    }
    if (!it->status().ok()) {
      return rocks_failure(impl_->dir, "cannot scan the incident state index", it->status());
    }
  }

  // Ids are zero padded, so comparing them as text orders them by number.
  std::sort(out.begin(), out.end(), [](const Incident& a, const Incident& b) {
    return a.first_seen != b.first_seen ? a.first_seen > b.first_seen : a.id > b.id;
  });
  if (out.size() > query.limit) {
    out.resize(query.limit);
  }
  return out;
}

Result<uint64_t> RocksStore::next_incident_number() {
  if (auto writable = impl_->check_writable("issue an incident number"); !writable) {
    return fail(writable.error());
  }
  std::lock_guard lock(impl_->counter_mutex);
  const uint64_t next = impl_->incident_counter + 1;
  // Without sync_writes this is still safe after a machine crash: the WAL recovers a prefix of
  // the writes, so an incident stored under this number cannot survive while the counter is lost.
  rocksdb::WriteBatch batch;
  const auto status = batch.Put(impl_->cf[kMeta], slice(schema::kIncidentCounterKey), schema::format_counter(next));
  if (!status.ok()) {
    return rocks_failure(impl_->dir, "cannot batch the incident counter", status);
  }
  if (auto written = impl_->write(batch, "cannot advance the incident counter"); !written) {
    return fail(written.error());
  }
  impl_->incident_counter = next;
  return next;
}

Result<void> RocksStore::put_state(std::string_view key, std::string_view value) {
  if (auto writable = impl_->check_writable("store state"); !writable) {
    return writable;
  }
  rocksdb::WriteBatch batch;
  const auto status = batch.Put(impl_->cf[kState], slice(key), slice(value));
  if (!status.ok()) {
    return rocks_failure(impl_->dir, "cannot batch state " + std::string(key), status);
  }
  return impl_->write(batch, "cannot store state " + std::string(key));
}

Result<std::optional<std::string>> RocksStore::get_state(std::string_view key) {
  return impl_->read(kState, key, rocksdb::ReadOptions(), "cannot read state " + std::string(key));
}

Result<void> RocksStore::erase_state(std::string_view key) {
  if (auto writable = impl_->check_writable("erase state"); !writable) {
    return writable;
  }
  rocksdb::WriteBatch batch;
  const auto status = batch.Delete(impl_->cf[kState], slice(key));
  if (!status.ok()) {
    return rocks_failure(impl_->dir, "cannot batch erasing state " + std::string(key), status);
  }
  return impl_->write(batch, "cannot erase state " + std::string(key));
}

}  // namespace vigil::storage
