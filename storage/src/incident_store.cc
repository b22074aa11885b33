// RocksStore's incidents: records keyed by id, index entries ordered by first_seen for
// newest-first lists by state, severity, layer, assignee and time.
#include <rocksdb/iterator.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "range_walk.h"
#include "store_impl.h"
#include "vigil/core/eve_json.h"

namespace vigil::storage {
namespace {

bool matches(const IncidentQuery& q, const Incident& incident) {
  if (q.state && incident.state != *q.state) return false;
  if (q.open_only && !incident.is_open()) return false;
  if (q.severity && incident.severity != *q.severity) return false;
  if (q.layer && incident.layer != *q.layer) return false;
  if (q.assignee && incident.assignee != *q.assignee) return false;
  return incident.first_seen >= q.from && incident.first_seen < q.until;
}

// "<first_seen>.<id>" of the last incident of a page.
std::string format_cursor(const Incident& incident) {
  return std::to_string(incident.first_seen) + "." + incident.id;
}

Result<std::string> cursor_suffix(std::string_view text) {
  const auto dot = text.find('.');
  Timestamp first_seen = 0;
  const char* end = text.data() + (dot == std::string_view::npos ? 0 : dot);
  const auto parsed = std::from_chars(text.data(), end, first_seen);
  if (dot == std::string_view::npos || dot == 0 || parsed.ec != std::errc() || parsed.ptr != end ||
      dot + 1 == text.size()) {
    return fail(ErrorCode::invalid_argument, "bad cursor '" + std::string(text) + "'");
  }
  return schema::incident_index_suffix(first_seen, text.substr(dot + 1));
}

// The index prefixes to merge: the most selective filter that has an index, else time.
std::vector<std::string> index_prefixes(const IncidentQuery& q) {
  using schema::IncidentIndex;
  if (q.state) return {schema::incident_index_prefix(IncidentIndex::state, schema::state_value(*q.state))};
  if (q.assignee) return {schema::incident_index_prefix(IncidentIndex::assignee, *q.assignee)};
  if (q.open_only) {
    std::vector<std::string> out;
    for (auto state : {IncidentState::new_, IncidentState::acknowledged, IncidentState::investigating,
                       IncidentState::contained}) {
      out.push_back(schema::incident_index_prefix(IncidentIndex::state, schema::state_value(state)));
    }
    return out;
  }
  if (q.severity) return {schema::incident_index_prefix(IncidentIndex::severity, schema::severity_value(*q.severity))};
  if (q.layer) return {schema::incident_index_prefix(IncidentIndex::layer, schema::layer_value(*q.layer))};
  return {schema::incident_index_prefix(IncidentIndex::time, "")};
}

}  // namespace

Result<Incident> RocksStore::Impl::decode_incident(std::string_view key, std::string_view value) {
  const auto where = [&] { return "data dir " + dir + ": incident " + std::string(key); };
  if (value.empty() || value[0] != schema::kIncidentFormatV1) {
    return fail(ErrorCode::corrupt_data, where() + " has an unknown record format");
  }
  auto incident = incident_from_json(value.substr(1));
  if (!incident) {
    return fail(ErrorCode::corrupt_data, where() + ": " + incident.error().message);
  }
  if (incident->id != key) {
    return fail(ErrorCode::corrupt_data, where() + " holds the record of " + incident->id);
  }
  return incident;
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
  const std::vector<std::string> keys = schema::incident_index_keys(incident);
  std::vector<std::string> stale;
  if (*old) {
    auto previous = impl_->decode_incident(incident.id, **old);
    if (previous) {
      for (auto& key : schema::incident_index_keys(*previous)) {
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) stale.push_back(std::move(key));
      }
    } else {
      // The old record cannot tell its index entries; lists check every record they read, so an
      // entry left behind is skipped there.
      logger()->warn("{}; replacing it", previous.error().message);
    }
  }

  rocksdb::WriteBatch batch;
  std::string value(1, schema::kIncidentFormatV1);
  value += to_json(incident);
  auto status = batch.Put(cf[kIncidents], incident.id, value);
  for (const auto& key : stale) {
    if (status.ok()) status = batch.Delete(cf[kIndex], key);
  }
  for (const auto& key : keys) {
    if (status.ok()) status = batch.Put(cf[kIndex], key, rocksdb::Slice());
  }
  if (!status.ok()) {
    return rocks_failure(impl_->dir, "cannot batch incident " + incident.id, status);
  }
  return impl_->write(std::move(batch), "store incident " + incident.id);
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
  auto page = list_page(query);
  if (!page) return fail(page.error());
  return std::move(page->incidents);
}

Result<IncidentPage> RocksStore::list_page(const IncidentQuery& query) {
  IncidentPage page;
  if (query.limit == 0 || query.from >= query.until) {
    return page;
  }
  std::string lo = schema::flipped_time(query.from);
  std::string hi = schema::flipped_time(query.until);
  if (!query.cursor.empty()) {
    auto at = cursor_suffix(query.cursor);
    if (!at) return fail(at.error());
    hi = std::min(hi, *at);
  }
  Impl::ReadView reading;
  impl_->read_view(reading);
  MergedWalk merged(/*reverse=*/true);
  for (const auto& prefix : index_prefixes(query)) {
    merged.add(std::make_unique<RangeWalk>(
        std::unique_ptr<rocksdb::Iterator>(impl_->db->NewIterator(reading.options, impl_->cf[kIndex])),
        std::vector<KeyRange>{{prefix + lo, prefix + hi, prefix.size()}}, true));
  }
  std::set<std::string> seen;  // a stale entry may name an incident another walk also yields
  for (OrderedWalk* walk = merged.top(); walk != nullptr && page.incidents.size() < query.limit; walk = merged.top()) {
    const std::string id(walk->suffix().substr(8));
    walk->next();
    if (!seen.insert(id).second) continue;
    auto record = impl_->read(kIncidents, id, reading.options, "cannot read incident " + id);
    if (!record) return fail(record.error());
    if (!*record) continue;  // an index entry whose incident is gone (retention), skipped
    auto incident = impl_->decode_incident(id, **record);
    if (!incident) return fail(incident.error());
    // The record, not the index entry, has the last word.
    if (matches(query, *incident)) page.incidents.push_back(std::move(*incident));
  }
  if (auto status = merged.status(); !status.ok()) {
    return rocks_failure(impl_->dir, "cannot scan the incident index", status);
  }
  if (page.incidents.size() == query.limit) page.next_cursor = format_cursor(page.incidents.back());
  return page;
}

Result<std::vector<std::pair<IncidentState, uint64_t>>> RocksStore::count_incidents_by_state() {
  using enum IncidentState;
  std::vector<std::pair<IncidentState, uint64_t>> counts;
  Impl::ReadView reading;
  impl_->read_view(reading);
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(reading.options, impl_->cf[kIndex]));
  for (IncidentState state : {new_, acknowledged, investigating, contained, resolved, closed}) {
    const std::string prefix = schema::incident_index_prefix(schema::IncidentIndex::state, schema::state_value(state));
    uint64_t n = 0;
    for (it->Seek(prefix); it->Valid() && view(it->key()).starts_with(prefix); it->Next()) ++n;
    if (!it->status().ok()) return rocks_failure(impl_->dir, "cannot scan the incident index", it->status());
    counts.emplace_back(state, n);
  }
  return counts;
}

}  // namespace vigil::storage
