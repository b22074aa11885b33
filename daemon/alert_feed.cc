#include "alert_feed.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "vigil/core/eve_json.h"

namespace vigil::daemon {

using nlohmann::json;

namespace {

// How far before the caller's last answer the store is searched for alerts it missed: events reach the
// store a few seconds after their packets at most, unless a sensor link spooled them.
constexpr Duration kSinceMargin = 10LL * 60 * 1'000'000;

Error bad(std::string message) { return Error{ErrorCode::invalid_argument, std::move(message)}; }

std::optional<uint64_t> schema_counter(const std::string& text) {
  uint64_t value = 0;
  const auto parsed = std::from_chars(text.data(), text.data() + text.size(), value);
  if (parsed.ec != std::errc() || parsed.ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// EVE JSON has no seq; the caller needs it to go on from where it was.
json item(const Event& event) { return {{"seq", event.seq}, {"event", json::parse(to_eve_json(event))}}; }

}  // namespace

namespace {

// The stored next seq; when it cannot be read, every tail is answered from the store (slower, never wrong).
uint64_t stored_next_seq(storage::RocksStore& store) {
  auto saved = store.get_state(storage::kNextSeqStateKey);
  if (!saved) {
    spdlog::warn("alerts.tail: cannot read the event counter ({}); tails read the store", saved.error().message);
    return UINT64_MAX;
  }
  if (!*saved) return 1;
  const auto parsed = schema_counter(**saved);
  return parsed ? *parsed : UINT64_MAX;
}

}  // namespace

AlertFeed::AlertFeed(storage::RocksStore& store, const Clock& clock)
    : store_(store), clock_(clock), covered_from_(stored_next_seq(store)),
      last_seq_(covered_from_ == UINT64_MAX ? 0 : covered_from_ - 1) {}

void AlertFeed::stored(std::span<const Event> events) {
  std::lock_guard lock(mutex_);
  for (const Event& event : events) {
    last_seq_ = std::max(last_seq_, event.seq);
    if (event.type != EventType::alert) continue;
    recent_.push_back(event);
    if (recent_.size() > kKept) {
      covered_from_ = recent_.front().seq + 1;
      recent_.pop_front();
    }
  }
}

json AlertFeed::tail(const json& params) {
  const json after_param = params.value("after_seq", json());
  const json limit_param = params.value("limit", json(500));
  if (!limit_param.is_number_integer() || limit_param.get<int64_t>() < 1 || limit_param.get<int64_t>() > kMaxPage) {
    throw bad("'limit' must be a whole number from 1 to " + std::to_string(kMaxPage));
  }
  const size_t limit = static_cast<size_t>(limit_param.get<int64_t>());
  const Timestamp now = clock_.now();
  std::unique_lock lock(mutex_);
  if (after_param.is_null()) return {{"alerts", json::array()}, {"last_seq", last_seq_}, {"now", format_timestamp(now)}};
  if (!after_param.is_number_unsigned() && !(after_param.is_number_integer() && after_param.get<int64_t>() >= 0)) {
    throw bad("'after_seq' must be a whole number (the last reply's last_seq)");
  }
  const uint64_t after = after_param.get<uint64_t>();
  if (after + 1 < covered_from_) {
    // Stored before this process started, or pushed out of memory: the store has them.
    const uint64_t before = covered_from_;
    lock.unlock();
    Timestamp since = INT64_MIN;
    if (const json s = params.value("since", json()); !s.is_null()) {
      if (!s.is_string()) throw bad("'since' must be a time (RFC 3339)");
      auto parsed = parse_timestamp(s.get<std::string>());
      if (!parsed) throw bad("'since': " + parsed.error().message);
      since = *parsed - kSinceMargin;
    }
    json out = from_store(after, before, since, limit);
    out["now"] = format_timestamp(now);
    return out;
  }
  json alerts = json::array();
  auto it = std::upper_bound(recent_.begin(), recent_.end(), after,
                             [](uint64_t seq, const Event& event) { return seq < event.seq; });
  uint64_t last = std::max(after, last_seq_);
  for (; it != recent_.end() && alerts.size() < limit; ++it) alerts.push_back(item(*it));
  if (it != recent_.end()) last = std::prev(it)->seq;  // a full page: the next call goes on from here
  return {{"alerts", std::move(alerts)}, {"last_seq", last}, {"now", format_timestamp(now)}};
}

json AlertFeed::from_store(uint64_t after, uint64_t before, Timestamp since, size_t limit) {
  std::vector<Event> found;
  EventQuery query;
  query.type = EventType::alert;
  query.from = since;
  query.newest_first = false;
  query.limit = 1000;
  for (;;) {
    auto page = store_.query_page(query);
    if (!page) throw page.error();
    for (Event& event : page->events) {
      if (event.seq > after && event.seq < before) found.push_back(std::move(event));
    }
    if (page->next_cursor.empty()) break;
    query.cursor = page->next_cursor;
  }
  std::sort(found.begin(), found.end(), [](const Event& a, const Event& b) { return a.seq < b.seq; });
  // Nothing more in the gap than what is returned: the next call goes on from the gap's end.
  uint64_t last = before - 1;
  if (found.size() > limit) {
    found.resize(limit);
    last = found.back().seq;
  }
  json alerts = json::array();
  for (const Event& event : found) alerts.push_back(item(event));
  return {{"alerts", std::move(alerts)}, {"last_seq", last}};
}

}  // namespace vigil::daemon
