// Retention: per data class, everything before a UTC-midnight cutoff goes by DeleteRange over the
// class's key range (events and their day-partitioned index entries), or by walking only the
// expired part of an ordered key space (closed incidents by first_seen; audit entries oldest
// first, stopping at the first one still inside its retention).
#include <rocksdb/iterator.h>

#include "event_codec.h"
#include "sha256.h"
#include "store_impl.h"

namespace vigil::storage {

Result<void> RetentionPolicy::validate() const {
  const std::pair<const char*, int> classes[] = {
      {"events.flow", flow_days}, {"events.alert", alert_days}, {"incidents", incident_days}, {"audit", audit_days}};
  for (const auto& [name, days] : classes) {
    if (days < kMinDays) {
      return fail(ErrorCode::invalid_argument, std::string("retention of ") + name + " is " + std::to_string(days) +
                                                   " days; security logs must be kept at least " +
                                                   std::to_string(kMinDays) + " days");
    }
  }
  return ok();
}

Result<RetentionReport> RocksStore::apply_retention(const RetentionPolicy& policy, Timestamp now) {
  if (auto valid = policy.validate(); !valid) return fail(valid.error());
  if (auto writable = impl_->check_writable("apply retention"); !writable) return fail(writable.error());
  std::lock_guard lock(impl_->retention_mutex);
  auto& cf = impl_->cf;
  const Timestamp midnight = schema::day_start(schema::day_of(now));
  const auto cutoff = [&](int days) { return midnight - days * schema::kMicrosPerDay; };
  RetentionReport report;
  report.flow_cutoff = cutoff(policy.flow_days);
  report.alert_cutoff = cutoff(policy.alert_days);
  report.incident_cutoff = cutoff(policy.incident_days);
  report.audit_cutoff = cutoff(policy.audit_days);

  rocksdb::WriteBatch batch;
  rocksdb::Status status;
  for (auto type : schema::kEventTypes) {
    const Timestamp until = schema::is_flow_class(type) ? report.flow_cutoff : report.alert_cutoff;
    const std::string cls(1, schema::event_class(type));
    if (status.ok()) status = batch.DeleteRange(cf[kEvents], cls, cls + schema::event_ref_key(until, 0));
    // Cutoffs are midnights, so the index's day partitions before the cutoff's day hold exactly
    // the entries of the events deleted above.
    if (status.ok()) {
      status = batch.DeleteRange(cf[kIndex], std::string{'e', cls[0]}, schema::event_day_prefix(type, schema::day_of(until)));
    }
  }

  // Incidents: only the time index before the cutoff is read; open incidents stay. The incident
  // lock is held until the batch is written, so a put() that reopens a closed incident meanwhile
  // is not deleted by a decision taken on its old state (lock order: incident, then audit).
  std::lock_guard incident_lock(impl_->incident_mutex);
  const std::string time_prefix = schema::incident_index_prefix(schema::IncidentIndex::time, "");
  const std::string time_end = time_prefix + schema::flipped_time(report.incident_cutoff);
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), cf[kIndex]));
  for (it->Seek(time_prefix); it->Valid() && status.ok() && view(it->key()) < time_end; it->Next()) {
    const std::string id(view(it->key()).substr(time_prefix.size() + 8));
    auto record = impl_->read(kIncidents, id, rocksdb::ReadOptions(), "cannot read incident " + id);
    if (!record) return fail(record.error());
    if (!*record) {
      status = batch.Delete(cf[kIndex], it->key());
      continue;
    }
    auto incident = impl_->decode_incident(id, **record);
    if (!incident) return fail(incident.error());
    if (incident->is_open()) continue;
    status = batch.Delete(cf[kIncidents], id);
    for (const auto& key : schema::incident_index_keys(*incident)) {
      if (status.ok()) status = batch.Delete(cf[kIndex], key);
    }
    ++report.incidents_deleted;
  }
  if (!it->status().ok()) return rocks_failure(impl_->dir, "cannot scan the incident index", it->status());

  // Audit: a prefix of the chain, up to the first entry still inside its retention; meta keeps
  // the hash of the last entry deleted so verify can still check the first one kept.
  std::lock_guard audit_lock(impl_->audit_mutex);
  std::unique_ptr<rocksdb::Iterator> audit(impl_->db->NewIterator(rocksdb::ReadOptions(), cf[kAudit]));
  std::optional<uint64_t> first_seq;
  std::optional<std::pair<uint64_t, std::string>> last_deleted;
  for (audit->SeekToFirst(); audit->Valid(); audit->Next()) {
    const auto seq = schema::parse_audit_key(view(audit->key()));
    const std::string_view value = view(audit->value());
    RecordReader in(value.substr(std::min<size_t>(1, value.size())));
    uint64_t time = 0;
    if (!seq || value.size() < 1 + 2 * kSha256Size || !in.varint(time)) {
      return fail(ErrorCode::corrupt_data, "data dir " + impl_->dir +
                                               ": an audit entry does not decode; retention stops (run `vigil admin check`)");
    }
    const auto entry_time = static_cast<int64_t>(time >> 1) ^ -static_cast<int64_t>(time & 1);
    if (entry_time >= report.audit_cutoff) break;
    if (!first_seq) first_seq = *seq;
    last_deleted = std::make_pair(*seq, std::string(value.substr(value.size() - kSha256Size)));
    ++report.audit_entries_deleted;
  }
  if (!audit->status().ok()) return rocks_failure(impl_->dir, "cannot scan the audit log", audit->status());
  if (last_deleted && status.ok()) {
    status = batch.DeleteRange(cf[kAudit], schema::audit_key(*first_seq), schema::audit_key(last_deleted->first + 1));
    if (status.ok()) {
      status = batch.Put(cf[kMeta], slice(schema::kAuditAnchorKey),
                         std::to_string(last_deleted->first + 1) + " " + to_hex(last_deleted->second));
    }
  }
  if (!status.ok()) return rocks_failure(impl_->dir, "cannot batch retention", status);
  if (auto written = impl_->write(std::move(batch), "apply retention"); !written) return fail(written.error());
  logger()->info("data dir {}: retention removed {} incidents and {} audit entries", impl_->dir,
                 report.incidents_deleted, report.audit_entries_deleted);
  return report;
}

}  // namespace vigil::storage
