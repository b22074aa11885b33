#include "vigil/storage/rocks_store.h"

#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/table.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "store_impl.h"

namespace vigil::storage {

namespace fs = std::filesystem;

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

namespace {

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
  if (*version < RocksStore::kSchemaVersion) {
    // Schemas 1 and 2 existed only in development builds; nothing in the field needs converting.
    return fail(ErrorCode::unsupported, "data dir " + dir + " was written by an older development build (schema " +
                                            std::to_string(*version) + "; this build reads schema " +
                                            std::to_string(RocksStore::kSchemaVersion) +
                                            "): re-create it, e.g. with `vigil replay`");
  }
  return static_cast<uint32_t>(*version);
}

// Events and index take the bulk of the writes: bigger memtables, LZ4 while data is young and
// ZSTD at the bottom level, where most bytes end up; bloom filters for the point reads that
// index lookups make. Only table options: a store stays openable with default options (tools,
// tests, `ldb`).
rocksdb::ColumnFamilyOptions family_options(const std::string& name) {
  rocksdb::ColumnFamilyOptions options;
  if (name == schema::kEventsCf) {
    options.write_buffer_size = 64 << 20;
    options.max_write_buffer_number = 4;
    options.target_file_size_base = 64 << 20;
    options.max_bytes_for_level_base = 256 << 20;
  }
  if (name == schema::kIndexCf) {
    // Index keys land all over the key space; in a small memtable the skip list stays in the CPU
    // cache, which halved the writer thread's time per event. More, smaller L0 files follow, so
    // L0 compaction waits for more of them.
    options.write_buffer_size = 8 << 20;
    options.max_write_buffer_number = 6;
    options.level0_file_num_compaction_trigger = 8;
    options.target_file_size_base = 64 << 20;
    options.max_bytes_for_level_base = 256 << 20;
  }
  options.compression = rocksdb::kLZ4Compression;
  options.bottommost_compression = rocksdb::kZSTD;
  rocksdb::BlockBasedTableOptions table;
  static const std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(256 << 20);
  table.block_cache = cache;
  table.block_size = 16 << 10;
  if (name == schema::kEventsCf || name == schema::kIncidentsCf) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  }
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

// RocksDB holds its LOCK file with an fcntl write lock. Asking the kernel who holds it, before
// reading anything, tells a dir in use by another process (vigild) apart from a damaged one: the
// probes below read MANIFEST and SST files that the owner may be compacting away at that moment.
bool locked_by_other_process(const std::string& dir) {
  const int fd = ::open((dir + "/LOCK").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct flock probe {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  const bool locked = ::fcntl(fd, F_GETLK, &probe) == 0 && probe.l_type != F_UNLCK;
  ::close(fd);
  return locked;
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

RocksStore::Impl::~Impl() {
  writer.reset();  // queued writes finish before the handles go
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

Result<void> RocksStore::Impl::check_writable(std::string_view what) const {
  if (options.read_only) {
    return fail(ErrorCode::invalid_argument, "data dir " + dir + " is open read-only: cannot " + std::string(what));
  }
  return ok();
}

Result<void> RocksStore::Impl::write(rocksdb::WriteBatch batch, std::string what) {
  if (auto writable = check_writable(what); !writable) {
    return writable;
  }
  return writer->write(std::move(batch), std::move(what));
}

Result<std::optional<std::string>> RocksStore::Impl::read(Cf family, std::string_view key,
                                                          const rocksdb::ReadOptions& read_options,
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

Result<bool> RocksStore::Impl::is_empty(rocksdb::ColumnFamilyHandle* handle) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handle));
  it->SeekToFirst();
  if (!it->status().ok()) {
    return rocks_failure(dir, "cannot scan column family " + handle->GetName(), it->status());
  }
  return !it->Valid();
}

void RocksStore::Impl::read_view(ReadView& view) {
  if (!options.read_only) {
    view.snapshot.emplace(db);
    view.options.snapshot = view.snapshot->snapshot();
  }
}

Result<void> RocksStore::Impl::open_db(bool fresh) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = fresh;
  db_options.create_missing_column_families = !options.read_only;
  db_options.keep_log_file_num = 5;
  db_options.max_log_file_size = 16 << 20;
  // meta and state see few writes; without a bound their unflushed entries would keep every WAL
  // file alive until the default limit (several GB with six column families).
  db_options.max_total_wal_size = 256 << 20;
  // The writer thread flushes the WAL once per group of batches (group commit) and acknowledges
  // only after that flush; see store_writer.h.
  db_options.manual_wal_flush = true;
  // One writer thread: there is never a second write to insert concurrently.
  db_options.allow_concurrent_memtable_write = false;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1 << 20;

  std::vector<std::string> names;
  if (!fresh && !options.read_only && locked_by_other_process(dir)) {
    return fail(ErrorCode::io_error, "data dir " + dir + " " + std::string(kLockedByWriter) + " (another process holds its LOCK)");
  }
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
    descriptors.emplace_back(name, family_options(name));
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
      return fail(ErrorCode::io_error, "data dir " + dir + " " + std::string(kLockedByWriter) + " (by another process or in this one): " +
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
    auto written = db->Write(rocksdb::WriteOptions(), &batch);
    if (written.ok()) written = db->FlushWAL(true);  // the writer thread does not run yet
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
  return load_audit_head();
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
  if (auto opened = impl->open_db(*fresh); !opened) {
    return fail(opened.error());
  }
  if (auto loaded = impl->load_meta(*fresh); !loaded) {
    return fail(loaded.error());
  }
  if (!options.read_only) {
    impl->writer = std::make_unique<StoreWriter>(impl->db, dir, options.sync_writes);
  }
  logger()->debug("opened data dir {} (schema {}{})", dir, impl->schema_version,
                 options.read_only ? ", read-only" : "");
  return std::unique_ptr<RocksStore>(new RocksStore(std::move(impl)));
}

const std::string& RocksStore::dir() const { return impl_->dir; }
bool RocksStore::read_only() const { return impl_->options.read_only; }
uint32_t RocksStore::schema_version() const { return impl_->schema_version; }

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
  if (auto written = impl_->write(std::move(batch), "advance the incident counter"); !written) {
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
  return impl_->write(std::move(batch), "store state " + std::string(key));
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
  return impl_->write(std::move(batch), "erase state " + std::string(key));
}

}  // namespace vigil::storage
