// RocksStore's events: batching appends with their index entries, time-range queries with
// filters and cursors, counts.
#include <rocksdb/iterator.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <map>
#include <unordered_map>
#include <utility>

#include "event_codec.h"
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

bool is_single_address(const Cidr& cidr) { return cidr.prefix_len() == (cidr.network().is_v4() ? 32 : 128); }

bool matches(const EventQuery& q, const Event& event) {
  if (q.type && event.type != *q.type) return false;
  if (q.signature_id && (!event.alert || event.alert->signature_id != *q.signature_id)) return false;
  if (q.severity && (!event.alert || event.alert->severity != *q.severity)) return false;
  if (q.sensor && event.sensor != *q.sensor) return false;
  if (q.zone && event.zone != *q.zone) return false;
  if (q.src && (!event.src_ip || !q.src->contains(*event.src_ip))) return false;
  if (q.dst && (!event.dest_ip || !q.dst->contains(*event.dest_ip))) return false;
  if (q.port && event.src_port != *q.port && event.dest_port != *q.port) return false;
  if (q.incident_id && event.incident_id != *q.incident_id) return false;
  if (!q.text.empty() && (!event.alert || !contains_nocase(event.alert->signature, q.text))) return false;
  return true;
}

// "<time>.<seq>" of the last event of a page: readable in logs, opaque to callers.
std::string format_cursor(const EventRef& ref) { return std::to_string(ref.timestamp) + "." + std::to_string(ref.seq); }

Result<EventRef> parse_cursor(std::string_view text) {
  EventRef ref;
  const auto dot = text.find('.');
  const auto bad = [&] { return fail(ErrorCode::invalid_argument, "bad cursor '" + std::string(text) + "'"); };
  if (dot == std::string_view::npos) return bad();
  const char* end = text.data() + dot;
  auto parsed = std::from_chars(text.data(), end, ref.timestamp);
  if (dot == 0 || parsed.ec != std::errc() || parsed.ptr != end) return bad();
  end = text.data() + text.size();
  parsed = std::from_chars(text.data() + dot + 1, end, ref.seq);
  if (dot + 1 == text.size() || parsed.ec != std::errc() || parsed.ptr != end) return bad();
  return ref;
}

struct IndexChoice {
  schema::EventIndex kind;
  std::string value;
};

// The most selective index the filters allow; every filter is checked on the record anyway.
std::optional<IndexChoice> choose_index(const EventQuery& q) {
  if (q.incident_id) return IndexChoice{schema::EventIndex::incident, *q.incident_id};
  if (q.src && is_single_address(*q.src)) return IndexChoice{schema::EventIndex::src, schema::ip_value(q.src->network())};
  if (q.dst && is_single_address(*q.dst)) return IndexChoice{schema::EventIndex::dst, schema::ip_value(q.dst->network())};
  if (q.signature_id) return IndexChoice{schema::EventIndex::sid, schema::sid_value(*q.signature_id)};
  return std::nullopt;
}

}  // namespace

Result<rocksdb::WriteBatch> RocksStore::Impl::event_batch(std::span<const Event> events) {
  rocksdb::WriteBatch batch(events.size() * 600);
  rocksdb::Status status;
  std::string value;
  // Each event's ref at i * kEventRefSize: the posting lists are built from these.
  std::string refs;
  refs.reserve(events.size() * schema::kEventRefSize);
  // The batch's events per index prefix (class, day, kind, value), in event order. Grouping by a
  // hash of the prefix instead of sorting every (prefix, ref) key string: that sort's string
  // compares were 40 % of the appending thread's time.
  std::unordered_map<std::string, std::vector<uint32_t>> by_prefix;
  by_prefix.reserve(events.size() * 2);
  const auto index = [&](EventType type, int64_t day, schema::EventIndex kind, std::string_view v, uint32_t i) {
    by_prefix[schema::event_index_prefix(type, day, kind, v)].push_back(i);
  };
  for (uint32_t i = 0; i < events.size(); ++i) {
    const Event& event = events[i];
    const std::string ref = schema::event_ref_key(event.timestamp, event.seq);
    refs += ref;
    std::string key(1, schema::event_class(event.type));
    key += ref;
    value.assign(1, schema::kEventFormatV2);
    encode_event_body(event, value);
    status = batch.Put(cf[kEvents], key, value);
    if (!status.ok()) {
      return rocks_failure(dir, "cannot batch an event", status);
    }
    const int64_t day = schema::day_of(event.timestamp);
    if (event.src_ip) index(event.type, day, schema::EventIndex::src, schema::ip_value(*event.src_ip), i);
    if (event.dest_ip) index(event.type, day, schema::EventIndex::dst, schema::ip_value(*event.dest_ip), i);
    if (event.alert) index(event.type, day, schema::EventIndex::sid, schema::sid_value(event.alert->signature_id), i);
    if (!event.incident_id.empty()) index(event.type, day, schema::EventIndex::incident, event.incident_id, i);
  }
  const auto ref_of = [&](uint32_t i) { return std::string_view(refs).substr(i * schema::kEventRefSize, schema::kEventRefSize); };
  // Index keys go into the batch sorted: the memtable's skip list then inserts each one near the
  // one before (it keeps the last insert position), instead of searching from the top for keys
  // scattered over the whole memtable. That search was most of the writer thread's time. A
  // prefix is never a proper prefix of another (its value's length is in it), so prefix order
  // then ref order is the order of the whole keys.
  std::vector<std::pair<const std::string*, std::vector<uint32_t>*>> groups;
  groups.reserve(by_prefix.size());
  for (auto& [prefix, members] : by_prefix) groups.emplace_back(&prefix, &members);
  std::sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) { return *a.first < *b.first; });
  std::string key;
  std::string postings;
  for (auto& [prefix, members] : groups) {
    std::vector<uint32_t>& m = *members;
    const auto by_ref = [&](uint32_t a, uint32_t b) { return ref_of(a) < ref_of(b); };
    if (!std::is_sorted(m.begin(), m.end(), by_ref)) std::stable_sort(m.begin(), m.end(), by_ref);
    // One key per run of the prefix's events in one posting bucket (its first entry and a hash of
    // the list, schema.h); its value packs the run's event refs.
    for (size_t r = 0; r < m.size();) {
      const int64_t bucket = schema::posting_bucket(events[m[r]].timestamp);
      postings.clear();
      size_t j = r;
      for (; j < m.size() && schema::posting_bucket(events[m[j]].timestamp) == bucket; ++j) {
        if (postings.ends_with(ref_of(m[j]))) continue;  // the same event twice in one batch
        postings += ref_of(m[j]);
      }
      key = schema::posting_list_key(*prefix, postings);
      status = batch.Put(cf[kIndex], key, postings);
      if (!status.ok()) {
        return rocks_failure(dir, "cannot batch an index entry", status);
      }
      r = j;
    }
  }
  return batch;
}

Result<Event> RocksStore::Impl::decode_event(std::string_view key, std::string_view value) {
  const auto ref = key.size() == schema::kEventKeySize ? schema::parse_event_ref_key(key.substr(1)) : std::nullopt;
  if (!ref) {
    return fail(ErrorCode::corrupt_data, "data dir " + dir + ": an events key is not " +
                                             std::to_string(schema::kEventKeySize) + " bytes long");
  }
  std::optional<EventType> type;
  for (auto candidate : schema::kEventTypes) {
    if (schema::event_class(candidate) == key[0]) type = candidate;
  }
  const auto where = [&] {
    return "data dir " + dir + ": event at " + std::to_string(ref->timestamp) + "/" + std::to_string(ref->seq);
  };
  if (!type) {
    return fail(ErrorCode::corrupt_data, where() + " has an unknown event class");
  }
  Event event;
  if (!value.empty() && value[0] == schema::kEventFormatV2) {
    if (auto decoded = decode_event_body(value.substr(1), event); !decoded) {
      return fail(decoded.error().with_context(where()));
    }
  } else if (!value.empty() && value[0] == schema::kEventFormatV1) {
    auto parsed = event_from_json(value.substr(1));
    if (!parsed) {
      return fail(parsed.error().with_context(where()));
    }
    event = std::move(*parsed);
  } else {
    return fail(ErrorCode::corrupt_data, where() + " has an unknown record format");
  }
  // The key is the event's identity.
  event.type = *type;
  event.timestamp = ref->timestamp;
  event.seq = ref->seq;
  return event;
}

Result<void> RocksStore::append(std::span<const Event> events) {
  if (events.empty()) {
    return ok();
  }
  return append_async(events).get();
}

std::future<Result<void>> RocksStore::append_async(std::span<const Event> events) {
  auto promise = std::make_shared<std::promise<Result<void>>>();
  auto future = promise->get_future();
  append_async(events, [promise](Result<void> result) { promise->set_value(std::move(result)); });
  return future;
}

void RocksStore::append_async(std::span<const Event> events, std::function<void(Result<void>)> on_durable) {
  if (auto writable = impl_->check_writable("append events"); !writable) {
    on_durable(writable);
    return;
  }
  if (events.empty()) {
    on_durable(ok());
    return;
  }
  auto batch = impl_->event_batch(events);
  if (!batch) {
    on_durable(fail(batch.error()));
    return;
  }
  impl_->writer->submit(std::move(*batch), "append " + std::to_string(events.size()) + " events",
                        std::move(on_durable));
}

Result<void> RocksStore::append_with_state(std::span<const Event> events,
                                           std::span<const std::pair<std::string, std::string>> state, bool sync) {
  if (auto writable = impl_->check_writable("append events"); !writable) return writable;
  auto batch = impl_->event_batch(events);
  if (!batch) return fail(batch.error());
  for (const auto& [key, value] : state) {
    if (auto status = batch->Put(impl_->cf[kState], slice(key), slice(value)); !status.ok()) {
      return rocks_failure(impl_->dir, "cannot batch state " + key, status);
    }
  }
  return impl_->writer
      ->submit(std::move(*batch), "append " + std::to_string(events.size()) + " events with their state", sync)
      .get();
}

Result<std::vector<Event>> RocksStore::query(const EventQuery& query) {
  auto page = query_page(query);
  if (!page) return fail(page.error());
  return std::move(page->events);
}

Result<std::optional<EventRef>> RocksStore::Impl::scan_events(const EventQuery& q, size_t limit,
                                                              const std::function<void(Event&&)>& take) {
  Impl& impl = *this;
  std::optional<EventRef> last;
  if (limit == 0 || q.from >= q.until) return last;
  std::string lo = schema::event_ref_key(q.from, 0);
  std::string hi = schema::event_ref_key(q.until, 0);
  if (!q.cursor.empty()) {
    auto cursor = parse_cursor(q.cursor);
    if (!cursor) return fail(cursor.error());
    const std::string at = schema::event_ref_key(cursor->timestamp, cursor->seq);
    if (q.newest_first) {
      hi = std::min(hi, at);
    } else {
      lo = std::max(lo, at + '\0');  // the smallest key after the cursor's
    }
  }
  if (lo >= hi) return last;

  std::vector<EventType> types;
  for (auto type : schema::kEventTypes) {
    if (q.type && type != *q.type) continue;
    if ((q.signature_id || q.severity) && type != EventType::alert) continue;  // only alerts have them
    types.push_back(type);
  }

  ReadView reading;
  impl.read_view(reading);
  const auto index = choose_index(q);
  MergedWalk merged(q.newest_first);
  for (auto type : types) {
    const std::string cls(1, schema::event_class(type));
    if (!index) {
      merged.add(std::make_unique<RangeWalk>(
          std::unique_ptr<rocksdb::Iterator>(impl.db->NewIterator(reading.options, impl.cf[kEvents])),
          std::vector<KeyRange>{{cls + lo, cls + hi, 1}}, q.newest_first));
      continue;
    }
    // Index entries are partitioned by day: one range per day between the class's first and last
    // event that the query's bounds allow.
    std::unique_ptr<rocksdb::Iterator> edge(impl.db->NewIterator(reading.options, impl.cf[kEvents]));
    edge->Seek(cls + lo);
    if (!edge->status().ok()) return rocks_failure(impl.dir, "cannot scan events", edge->status());
    if (!edge->Valid() || view(edge->key()) >= cls + hi) continue;  // nothing of this class in range
    const auto first = schema::parse_event_ref_key(view(edge->key()).substr(1));
    edge->SeekForPrev(cls + hi);
    if (edge->Valid() && view(edge->key()) == cls + hi) edge->Prev();
    if (!edge->status().ok()) return rocks_failure(impl.dir, "cannot scan events", edge->status());
    if (!edge->Valid() || !first) continue;
    const auto final_ = schema::parse_event_ref_key(view(edge->key()).substr(1));
    if (!final_) continue;
    // A posting list is keyed by its first ref and may hold refs up to the end of that ref's
    // bucket: the walk starts at the bucket of `lo`, and PostingWalk drops refs outside [lo, hi).
    const auto lo_ref = schema::parse_event_ref_key(std::string_view(lo).substr(0, schema::kEventRefSize));
    const std::string lists_lo =
        lo_ref ? schema::event_ref_key(schema::posting_bucket_start(schema::posting_bucket(lo_ref->timestamp)), 0) : lo;
    std::vector<KeyRange> ranges;
    for (int64_t day = schema::day_of(first->timestamp); day <= schema::day_of(final_->timestamp); ++day) {
      std::string prefix = schema::event_index_prefix(type, day, index->kind, index->value);
      ranges.push_back({prefix + lists_lo, prefix + hi, prefix.size()});
    }
    merged.add(std::make_unique<PostingWalk>(
        std::make_unique<RangeWalk>(
            std::unique_ptr<rocksdb::Iterator>(impl.db->NewIterator(reading.options, impl.cf[kIndex])),
            std::move(ranges), q.newest_first),
        cls[0], lo, hi, q.newest_first));
  }

  size_t taken = 0;
  std::string key;
  std::string record;
  for (OrderedWalk* walk = merged.top(); walk != nullptr && taken < limit; walk = merged.top()) {
    std::string_view value;
    if (index) {
      key.assign(walk->key());  // class ‖ ref
      auto found = impl.read(kEvents, key, reading.options, "cannot read an indexed event");
      if (!found) return fail(found.error());
      if (!*found) {
        walk->next();  // an index entry without its event: never written by a whole batch; skip it
        continue;
      }
      record = std::move(**found);
      value = record;
    } else {
      key.assign(walk->key());
      value = walk->value();
    }
    auto event = impl.decode_event(key, value);
    if (!event) return fail(event.error());
    walk->next();
    if (!matches(q, *event)) continue;
    last = event->ref();
    ++taken;
    take(std::move(*event));
  }
  if (auto status = merged.status(); !status.ok()) {
    return rocks_failure(impl.dir, "cannot scan events", status);
  }
  return last;
}

Result<EventPage> RocksStore::query_page(const EventQuery& query) {
  EventPage page;
  auto last = impl_->scan_events(query, query.limit, [&](Event&& event) { page.events.push_back(std::move(event)); });
  if (!last) return fail(last.error());
  if (*last && page.events.size() == query.limit) page.next_cursor = format_cursor(**last);
  return page;
}

Result<std::optional<Event>> RocksStore::event_at(EventRef ref) {
  for (EventType type : schema::kEventTypes) {  // a reference does not say its event's type
    const std::string key = schema::event_key(type, ref.timestamp, ref.seq);
    auto record = impl_->read(kEvents, key, rocksdb::ReadOptions(), "cannot read an event");
    if (!record) return fail(record.error());
    if (!*record) continue;
    auto event = impl_->decode_event(key, **record);
    if (!event) return fail(event.error());
    return std::optional<Event>(std::move(*event));
  }
  return std::optional<Event>();
}

Result<std::vector<EventCount>> RocksStore::count(const EventQuery& query, EventCountKey key) {
  std::map<std::string, EventCount> counts;
  auto scanned = impl_->scan_events(query, SIZE_MAX, [&](Event&& event) {
    if (key == EventCountKey::signature) {
      if (!event.alert) return;
      auto& row = counts[std::to_string(event.alert->signature_id)];
      if (row.count++ == 0) row.label = event.alert->signature;
    } else {
      if (!event.src_ip) return;
      ++counts[event.src_ip->to_string()].count;
    }
  });
  if (!scanned) return fail(scanned.error());
  std::vector<EventCount> out;
  out.reserve(counts.size());
  for (auto& [name, row] : counts) {
    row.key = name;
    out.push_back(std::move(row));
  }
  std::stable_sort(out.begin(), out.end(), [](const EventCount& a, const EventCount& b) { return a.count > b.count; });
  if (out.size() > query.limit) out.resize(query.limit);
  return out;
}

}  // namespace vigil::storage
