// RocksStore's operations side: checkpoints, stats, checks, compaction.
#include <rocksdb/iterator.h>
#include <rocksdb/utilities/checkpoint.h>

#include <filesystem>
#include <system_error>

#include "event_codec.h"
#include "store_impl.h"

namespace vigil::storage {

namespace fs = std::filesystem;

Result<void> RocksStore::checkpoint(const std::string& to_dir) {
  // RocksDB 7.8 crashes checkpointing a read-only instance (it flushes through a null pointer).
  if (auto writable = impl_->check_writable("make a checkpoint"); !writable) return writable;
  std::error_code ec;
  if (fs::exists(to_dir, ec)) {
    return fail(ErrorCode::invalid_argument, "backup dir " + to_dir + " already exists; name a new one");
  }
  rocksdb::Checkpoint* raw = nullptr;
  auto status = rocksdb::Checkpoint::Create(impl_->db, &raw);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  if (status.ok()) status = checkpoint->CreateCheckpoint(to_dir);
  if (!status.ok()) {
    return fail(error_code(status), "data dir " + impl_->dir + ": cannot make a checkpoint in " + to_dir + ": " +
                                        status.ToString());
  }
  return ok();
}

Result<StoreStats> RocksStore::stats() {
  StoreStats out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(impl_->dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) out.dir_bytes += it->file_size(ec);
  }
  for (size_t i = 0; i < schema::kColumnFamilies.size(); ++i) {
    FamilyStats family;
    family.name = std::string(schema::kColumnFamilies[i]);
    impl_->db->GetIntProperty(impl_->cf[i], "rocksdb.total-sst-files-size", &family.sst_bytes);
    impl_->db->GetIntProperty(impl_->cf[i], "rocksdb.size-all-mem-tables", &family.memtable_bytes);
    out.families.push_back(family);
  }
  Impl::ReadView reading;
  impl_->read_view(reading);
  // Counts keys of one prefix; the first and last key give the time span.
  const auto walk = [&](Cf family, const std::string& prefix, ClassStats& stats,
                        const std::function<Timestamp(std::string_view key, std::string_view value)>& time_of)
      -> Result<void> {
    const std::string end = schema::prefix_end(prefix);
    const rocksdb::Slice lower(prefix);
    const rocksdb::Slice upper(end);
    rocksdb::ReadOptions options = reading.options;
    options.iterate_lower_bound = &lower;
    if (!end.empty()) options.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(options, impl_->cf[family]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (stats.count++ == 0) stats.oldest = time_of(view(it->key()), view(it->value()));
    }
    if (stats.count > 0) {
      it->SeekToLast();
      if (it->Valid()) stats.newest = time_of(view(it->key()), view(it->value()));
    }
    if (!it->status().ok()) return rocks_failure(impl_->dir, "cannot scan " + stats.name, it->status());
    return ok();
  };
  for (auto type : schema::kEventTypes) {
    ClassStats stats;
    stats.name = "events." + std::string(to_string(type));
    auto done = walk(kEvents, std::string(1, schema::event_class(type)), stats, [](std::string_view key, std::string_view) {
      return schema::parse_event_ref_key(key.substr(1)).value_or(EventRef{}).timestamp;
    });
    if (!done) return fail(done.error());
    out.classes.push_back(stats);
  }
  ClassStats incidents;
  incidents.name = "incidents";
  const std::string time_prefix = schema::incident_index_prefix(schema::IncidentIndex::time, "");
  auto done = walk(kIndex, time_prefix, incidents, [&](std::string_view key, std::string_view) {
    return static_cast<Timestamp>(schema::read_big_endian(key.substr(time_prefix.size())) ^ (uint64_t{1} << 63));
  });
  if (!done) return fail(done.error());
  out.classes.push_back(incidents);
  ClassStats audit;
  audit.name = "audit";
  done = walk(kAudit, "", audit, [](std::string_view, std::string_view value) -> Timestamp {
    RecordReader in(value.substr(std::min<size_t>(1, value.size())));
    uint64_t time = 0;
    if (!in.varint(time)) return 0;
    return static_cast<int64_t>(time >> 1) ^ -static_cast<int64_t>(time & 1);
  });
  if (!done) return fail(done.error());
  out.classes.push_back(audit);
  return out;
}

Result<CheckReport> RocksStore::check() {
  CheckReport report;
  const auto status = impl_->db->VerifyChecksum();
  if (!status.ok()) report.checksums = status.ToString();
  Impl::ReadView reading;
  impl_->read_view(reading);
  for (Cf family : {kEvents, kIncidents}) {
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(reading.options, impl_->cf[family]));
    for (it->SeekToFirst(); it->Valid() && report.records.empty(); it->Next()) {
      ++report.records_checked;
      if (family == kEvents) {
        if (auto event = impl_->decode_event(view(it->key()), view(it->value())); !event) {
          report.records = event.error().message;
        }
      } else if (auto incident = impl_->decode_incident(view(it->key()), view(it->value())); !incident) {
        report.records = incident.error().message;
      }
    }
    if (!it->status().ok() && report.records.empty()) {
      report.records = "data dir " + impl_->dir + ": cannot read every record: " + it->status().ToString();
    }
  }
  auto audit = verify_audit();
  if (!audit) return fail(audit.error());
  report.audit = std::move(*audit);
  return report;
}

Result<void> RocksStore::compact() {
  if (auto writable = impl_->check_writable("compact"); !writable) return writable;
  for (size_t i = 0; i < schema::kColumnFamilies.size(); ++i) {
    auto status = impl_->db->Flush(rocksdb::FlushOptions(), impl_->cf[i]);
    if (status.ok()) status = impl_->db->CompactRange(rocksdb::CompactRangeOptions(), impl_->cf[i], nullptr, nullptr);
    if (!status.ok()) return rocks_failure(impl_->dir, "cannot compact " + std::string(schema::kColumnFamilies[i]), status);
  }
  return ok();
}

}  // namespace vigil::storage
