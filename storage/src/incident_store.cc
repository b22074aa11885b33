// RocksStore's incidents: records keyed by id, index entries ordered by first_seen for
// newest-first lists by state, severity, layer, assignee and time.
#include <rocksdb/iterator.h>

#include <algorithm>
#include <charconv>
#include <cctype>
#include <set>
#include <tuple>

#include "range_walk.h"
#include "store_impl.h"
#include "vigil/core/eve_json.h"

namespace vigil::storage {
namespace {

bool contains_nocase(std::string_view haystack, std::string_view needle) {
  const auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [&](char a, char b) { return lower(a) == lower(b); }) != haystack.end();
}

bool matches_text(std::string_view text, const Incident& incident) {
  if (contains_nocase(incident.title, text)) return true;
  for (const Observable& o : incident.observables) {
    if (contains_nocase(o.value, text)) return true;
  }
  for (const TimelineEntry& entry : incident.timeline) {
    if (entry.what.starts_with("note: ") && contains_nocase(std::string_view(entry.what).substr(6), text)) return true;
  }
  return false;
}

// Every filter a record answers by itself (zone needs its events: RocksStore::Impl checks that).
bool matches(const IncidentQuery& q, const Incident& incident) {
  if (q.state && incident.state != *q.state) return false;
  if (!q.states.empty() && std::find(q.states.begin(), q.states.end(), incident.state) == q.states.end()) return false;
  if (q.open_only && !incident.is_open()) return false;
  if (q.severity && incident.severity != *q.severity) return false;
  if (q.min_severity && incident.severity < *q.min_severity) return false;
  if (q.layer && incident.layer != *q.layer) return false;
  if (q.assignee && incident.assignee != *q.assignee) return false;
  if (q.rule_id && incident.rule_id != *q.rule_id) return false;
  if (q.agency && std::find(incident.agencies.begin(), incident.agencies.end(), *q.agency) == incident.agencies.end()) {
    return false;
  }
  if (!q.text.empty() && !matches_text(q.text, incident)) return false;
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
  if (!q.states.empty()) {
    std::set<IncidentState> wanted(q.states.begin(), q.states.end());
    std::vector<std::string> out;
    for (auto state : wanted) {
      if (q.open_only && (state == IncidentState::resolved || state == IncidentState::closed)) continue;
      out.push_back(schema::incident_index_prefix(IncidentIndex::state, schema::state_value(state)));
    }
    return out;
  }
  if (q.open_only) {
    std::vector<std::string> out;
    for (auto state : {IncidentState::new_, IncidentState::acknowledged, IncidentState::investigating,
                       IncidentState::contained}) {
      out.push_back(schema::incident_index_prefix(IncidentIndex::state, schema::state_value(state)));
    }
    return out;
  }
  if (q.severity) return {schema::incident_index_prefix(IncidentIndex::severity, schema::severity_value(*q.severity))};
  if (q.min_severity) {
    std::vector<std::string> out;
    for (int s = static_cast<int>(*q.min_severity); s <= static_cast<int>(Severity::critical); ++s) {
      out.push_back(schema::incident_index_prefix(IncidentIndex::severity, schema::severity_value(static_cast<Severity>(s))));
    }
    return out;
  }
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

Result<bool> RocksStore::Impl::incident_in_zone(const Incident& incident, std::string_view zone,
                                                const rocksdb::ReadOptions& read_options) {
  for (const EventRef& ref : incident.events) {
    for (EventType type : schema::kEventTypes) {  // a reference does not say its event's type
      const std::string key = schema::event_key(type, ref.timestamp, ref.seq);
      auto record = read(kEvents, key, read_options, "cannot read an event of " + incident.id);
      if (!record) return fail(record.error());
      if (!*record) continue;
      auto event = decode_event(key, **record);
      if (!event) return fail(event.error());
      if (event->zone == zone) return true;
      break;
    }
  }
  return false;
}

Result<void> RocksStore::Impl::walk_incidents(const IncidentQuery& query, std::string hi,
                                              const std::function<bool(Incident&&)>& take) {
  const std::string lo = schema::flipped_time(query.from);
  ReadView reading;
  read_view(reading);
  MergedWalk merged(/*reverse=*/true);
  for (const auto& prefix : index_prefixes(query)) {
    merged.add(std::make_unique<RangeWalk>(
        std::unique_ptr<rocksdb::Iterator>(db->NewIterator(reading.options, cf[kIndex])),
        std::vector<KeyRange>{{prefix + lo, prefix + hi, prefix.size()}}, true));
  }
  std::set<std::string> seen;  // a stale entry may name an incident another walk also yields
  for (OrderedWalk* walk = merged.top(); walk != nullptr; walk = merged.top()) {
    const std::string id(walk->suffix().substr(8));
    walk->next();
    if (!seen.insert(id).second) continue;
    auto record = read(kIncidents, id, reading.options, "cannot read incident " + id);
    if (!record) return fail(record.error());
    if (!*record) continue;  // an index entry whose incident is gone (retention), skipped
    auto incident = decode_incident(id, **record);
    if (!incident) return fail(incident.error());
    // The record, not the index entry, has the last word.
    if (!matches(query, *incident)) continue;
    if (query.zone) {
      auto in_zone = incident_in_zone(*incident, *query.zone, reading.options);
      if (!in_zone) return fail(in_zone.error());
      if (!*in_zone) continue;
    }
    if (!take(std::move(*incident))) break;
  }
  if (auto status = merged.status(); !status.ok()) {
    return rocks_failure(dir, "cannot scan the incident index", status);
  }
  return ok();
}

namespace {

// The order key of a sorted (not newest-first-seen) list; ties go by id.
int64_t sort_key(IncidentSort sort, const Incident& incident) {
  switch (sort) {
    case IncidentSort::last_seen: return incident.last_seen;
    case IncidentSort::severity: return static_cast<int64_t>(incident.severity);
    case IncidentSort::layer: return incident.layer;
    case IncidentSort::first_seen: break;
  }
  return incident.first_seen;
}

// "k<key>.<id>": the sort key and id of a sorted page's last incident.
std::string sorted_cursor(IncidentSort sort, const Incident& incident) {
  return "k" + std::to_string(sort_key(sort, incident)) + "." + incident.id;
}

Result<std::pair<int64_t, std::string>> parse_sorted_cursor(std::string_view text) {
  const auto dot = text.find('.');
  int64_t key = 0;
  const char* end = text.data() + (dot == std::string_view::npos ? 0 : dot);
  const auto parsed = dot == std::string_view::npos ? std::from_chars_result{nullptr, std::errc::invalid_argument}
                                                    : std::from_chars(text.data() + 1, end, key);
  if (!text.starts_with('k') || dot == std::string_view::npos || parsed.ec != std::errc() || parsed.ptr != end ||
      dot + 1 == text.size()) {
    return fail(ErrorCode::invalid_argument, "bad cursor '" + std::string(text) + "' (from a list in another order?)");
  }
  return std::pair<int64_t, std::string>{key, std::string(text.substr(dot + 1))};
}

}  // namespace

Result<IncidentPage> RocksStore::list_page(const IncidentQuery& query) {
  IncidentPage page;
  if (query.limit == 0 || query.from >= query.until) {
    return page;
  }
  const bool newest_first = query.sort == IncidentSort::first_seen && !query.ascending;
  std::string hi = schema::flipped_time(query.until);
  if (newest_first) {
    // The index order is the list order: walk from the cursor and stop at a full page.
    if (!query.cursor.empty()) {
      auto at = cursor_suffix(query.cursor);
      if (!at) return fail(at.error());
      hi = std::min(hi, *at);
    }
    auto walked = impl_->walk_incidents(query, hi, [&](Incident&& incident) {
      page.incidents.push_back(std::move(incident));
      return page.incidents.size() < query.limit;
    });
    if (!walked) return fail(walked.error());
    if (page.incidents.size() == query.limit) page.next_cursor = format_cursor(page.incidents.back());
    return page;
  }
  // Another order: every match, sorted by (key, id), then the page after the cursor's position.
  std::optional<std::pair<int64_t, std::string>> after;
  if (!query.cursor.empty()) {
    auto parsed = parse_sorted_cursor(query.cursor);
    if (!parsed) return fail(parsed.error());
    after = std::move(*parsed);
  }
  const auto position = [&](const Incident& incident) { return std::make_pair(sort_key(query.sort, incident), incident.id); };
  const auto before = [&](const std::pair<int64_t, std::string>& a, const std::pair<int64_t, std::string>& b) {
    return query.ascending ? a < b : b < a;
  };
  std::vector<Incident> all;
  auto walked = impl_->walk_incidents(query, hi, [&](Incident&& incident) {
    if (!after || before(*after, position(incident))) all.push_back(std::move(incident));
    return true;
  });
  if (!walked) return fail(walked.error());
  std::sort(all.begin(), all.end(), [&](const Incident& a, const Incident& b) { return before(position(a), position(b)); });
  const bool more = all.size() > query.limit;
  if (more) all.resize(query.limit);
  page.incidents = std::move(all);
  if (more) page.next_cursor = sorted_cursor(query.sort, page.incidents.back());
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
