// RocksStore's audit chain. Each entry's value is
//   format ‖ zigzag(time) ‖ actor ‖ action ‖ detail ‖ prev_hash(32) ‖ hash(32)
// where hash = SHA-256(BE(seq) ‖ everything before it) and prev_hash is the previous entry's
// hash. An entry changed in place fails its own hash; one rewritten with a fresh hash breaks the
// next entry's prev_hash; removed entries leave a gap in the seqs; removed last entries disagree
// with meta/audit_head, written in the same batch as every entry.
#include <rocksdb/iterator.h>

#include <charconv>

#include "event_codec.h"
#include "sha256.h"
#include "store_impl.h"

namespace vigil::storage {
namespace {

struct StoredEntry {
  AuditEntry entry;
  std::string prev_hash;
  std::string hash;
  bool hash_matches = false;
};

uint64_t zigzag(int64_t value) { return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63); }
int64_t unzigzag(uint64_t value) { return static_cast<int64_t>(value >> 1) ^ -static_cast<int64_t>(value & 1); }

std::string encode_entry(uint64_t seq, const AuditEntry& entry, const std::string& prev_hash) {
  std::string value(1, schema::kAuditFormatV1);
  put_varint(value, zigzag(entry.time));
  put_string(value, entry.actor);
  put_string(value, entry.action);
  put_string(value, entry.detail);
  value += prev_hash;
  value += sha256(schema::audit_key(seq) + value);
  return value;
}

std::optional<StoredEntry> decode_entry(uint64_t seq, std::string_view value) {
  if (value.size() < 1 + 2 * kSha256Size || value[0] != schema::kAuditFormatV1) return std::nullopt;
  StoredEntry out;
  const std::string_view body = value.substr(0, value.size() - kSha256Size);
  RecordReader in(body.substr(1, body.size() - 1 - kSha256Size));
  uint64_t time = 0;
  if (!in.varint(time) || !in.string(out.entry.actor) || !in.string(out.entry.action) ||
      !in.string(out.entry.detail) || !in.done()) {
    return std::nullopt;
  }
  out.entry.seq = seq;
  out.entry.time = unzigzag(time);
  out.prev_hash = std::string(body.substr(body.size() - kSha256Size));
  out.hash = std::string(value.substr(value.size() - kSha256Size));
  out.hash_matches = sha256(schema::audit_key(seq) + std::string(body)) == out.hash;
  return out;
}

std::string format_link(uint64_t seq, const std::string& hash) { return std::to_string(seq) + " " + to_hex(hash); }

std::optional<std::pair<uint64_t, std::string>> parse_link(std::string_view text) {
  const auto space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const auto seq = schema::parse_counter(text.substr(0, space));
  std::string hash = from_hex(text.substr(space + 1));
  if (!seq || hash.size() != kSha256Size) return std::nullopt;
  return std::make_pair(*seq, std::move(hash));
}

}  // namespace

Result<void> RocksStore::Impl::load_audit_head() {
  auto head = read(kMeta, schema::kAuditHeadKey, rocksdb::ReadOptions(), "cannot read the audit head");
  if (!head) return fail(head.error());
  if (*head) {
    audit_head = parse_link(**head);
    if (!audit_head) {
      return fail(ErrorCode::corrupt_data, "data dir " + dir + ": unreadable audit head '" + **head + "'");
    }
  }
  return ok();
}

Result<uint64_t> RocksStore::append_audit(const AuditEntry& entry) {
  if (auto writable = impl_->check_writable("append to the audit log"); !writable) {
    return fail(writable.error());
  }
  std::lock_guard lock(impl_->audit_mutex);
  const uint64_t seq = impl_->audit_head ? impl_->audit_head->first + 1 : 1;
  const std::string prev = impl_->audit_head ? impl_->audit_head->second : std::string(kSha256Size, '\0');
  const std::string value = encode_entry(seq, entry, prev);
  const std::string hash = value.substr(value.size() - kSha256Size);
  rocksdb::WriteBatch batch;
  auto status = batch.Put(impl_->cf[kAudit], schema::audit_key(seq), value);
  if (status.ok()) status = batch.Put(impl_->cf[kMeta], slice(schema::kAuditHeadKey), format_link(seq, hash));
  if (!status.ok()) return rocks_failure(impl_->dir, "cannot batch audit entry " + std::to_string(seq), status);
  if (auto written = impl_->write(std::move(batch), "append audit entry " + std::to_string(seq)); !written) {
    return fail(written.error());
  }
  impl_->audit_head = std::make_pair(seq, hash);
  return seq;
}

Result<std::vector<AuditEntry>> RocksStore::audit_entries(uint64_t from_seq, size_t limit) {
  std::vector<AuditEntry> out;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf[kAudit]));
  for (it->Seek(schema::audit_key(from_seq)); it->Valid() && out.size() < limit; it->Next()) {
    const auto seq = schema::parse_audit_key(view(it->key()));
    const auto stored = seq ? decode_entry(*seq, view(it->value())) : std::nullopt;
    if (!stored) {
      return fail(ErrorCode::corrupt_data, "data dir " + impl_->dir + ": audit entry " +
                                               (seq ? std::to_string(*seq) : "with a bad key") + " does not decode");
    }
    out.push_back(stored->entry);
  }
  if (!it->status().ok()) return rocks_failure(impl_->dir, "cannot scan the audit log", it->status());
  return out;
}

Result<AuditVerdict> RocksStore::verify_audit() {
  Impl::ReadView reading;
  impl_->read_view(reading);
  AuditVerdict verdict;
  const auto link = [&](std::string_view key) -> Result<std::optional<std::pair<uint64_t, std::string>>> {
    auto text = impl_->read(kMeta, key, reading.options, "cannot read meta/" + std::string(key));
    if (!text) return fail(text.error());
    if (!*text) return std::optional<std::pair<uint64_t, std::string>>();
    auto parsed = parse_link(**text);
    if (!parsed) {
      return fail(ErrorCode::corrupt_data, "data dir " + impl_->dir + ": unreadable meta/" + std::string(key));
    }
    return parsed;
  };
  auto anchor = link(schema::kAuditAnchorKey);
  if (!anchor) return fail(anchor.error());
  auto head = link(schema::kAuditHeadKey);
  if (!head) return fail(head.error());

  uint64_t expected_seq = *anchor ? (*anchor)->first : 1;
  std::string expected_prev = *anchor ? (*anchor)->second : std::string(kSha256Size, '\0');
  const auto broken = [&](uint64_t seq, std::string problem) {
    verdict.first_broken = seq;
    verdict.problem = "audit entry " + std::to_string(seq) + " " + std::move(problem);
    return verdict;
  };
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(reading.options, impl_->cf[kAudit]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const auto seq = schema::parse_audit_key(view(it->key()));
    if (!seq) return broken(expected_seq, "is followed by a key that is not a sequence number");
    if (*seq != expected_seq) {
      if (*seq > expected_seq) {
        return broken(expected_seq, "is missing (the chain jumps to entry " + std::to_string(*seq) + ")");
      }
      return broken(*seq, "is out of place (entry " + std::to_string(expected_seq) + " was expected)");
    }
    const auto stored = decode_entry(*seq, view(it->value()));
    if (!stored) return broken(*seq, "does not decode");
    if (!stored->hash_matches) return broken(*seq, "was changed: its content does not match its hash");
    if (stored->prev_hash != expected_prev) {
      if (verdict.entries == 0) return broken(*seq, "does not link to the entry before it");
      return broken(*seq - 1, "was replaced: entry " + std::to_string(*seq) + " holds a different hash of it");
    }
    if (!verdict.first_seq) verdict.first_seq = *seq;
    verdict.last_seq = *seq;
    ++verdict.entries;
    expected_prev = stored->hash;
    ++expected_seq;
  }
  if (!it->status().ok()) return rocks_failure(impl_->dir, "cannot scan the audit log", it->status());
  const uint64_t last = expected_seq - 1;
  if (*head) {
    if ((*head)->first > last) {
      return broken(last + 1, "is missing: the log ends at entry " + std::to_string(last) + " but entry " +
                                  std::to_string((*head)->first) + " was written");
    }
    if ((*head)->first < last) return broken((*head)->first + 1, "was added after the last entry written");
    if ((*head)->second != expected_prev) return broken(last, "was replaced: it is not the last entry written");
  } else if (verdict.entries > 0) {
    return broken(verdict.last_seq.value_or(1), "has no record of being written (meta/audit_head is missing)");
  }
  return verdict;
}

}  // namespace vigil::storage
