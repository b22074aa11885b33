#include "rule_admin.h"

#include <spdlog/spdlog.h>

namespace vigil::daemon {

using nlohmann::json;

namespace {

constexpr const char* kOverridesKey = "rule_admin.overrides";
constexpr const char* kSuppressionsKey = "rule_admin.suppressions";
constexpr const char* kHitsKey = "rule_admin.hits";
constexpr const char* kHourPrefix = "rule_admin.hits.";  // + the hour's start, microseconds since the epoch

Timestamp hour_of(Timestamp t) { return t - (t % hours(1) + hours(1)) % hours(1); }
std::string hour_key(Timestamp hour) { return kHourPrefix + std::to_string(hour); }

json note_json(const ChangeNote& note) {
  return {{"reason", note.reason}, {"actor", note.actor}, {"time", note.time}};
}
ChangeNote note_from(const json& j) {
  return {j.value("reason", ""), j.value("actor", ""), j.value("time", Timestamp{0})};
}

json overrides_json(const RuleOverrides& overrides) {
  json out = json::object();
  for (const auto& [sid, o] : overrides) {
    if (o.empty()) continue;
    json entry = {{"disabled", o.disabled}};
    if (o.disabled) entry["disabled_note"] = note_json(o.disabled_note);
    if (o.threshold) {
      entry["threshold"] = {{"type", o.threshold->type},
                            {"track", o.threshold->track},
                            {"count", o.threshold->count},
                            {"seconds", o.threshold->seconds}};
      entry["threshold_note"] = note_json(o.threshold_note);
    }
    out[std::to_string(sid)] = std::move(entry);
  }
  return out;
}

RuleOverrides overrides_from(const json& j) {
  RuleOverrides out;
  for (const auto& [sid, entry] : j.items()) {
    RuleOverride o;
    o.disabled = entry.value("disabled", false);
    if (entry.contains("disabled_note")) o.disabled_note = note_from(entry["disabled_note"]);
    if (entry.contains("threshold")) {
      const json& t = entry["threshold"];
      o.threshold = ThresholdOverride{t.at("type").get<std::string>(), t.at("track").get<std::string>(),
                                      t.at("count").get<uint32_t>(), t.at("seconds").get<uint32_t>()};
      if (entry.contains("threshold_note")) o.threshold_note = note_from(entry["threshold_note"]);
    }
    out[static_cast<uint32_t>(std::stoul(sid))] = std::move(o);
  }
  return out;
}

json suppression_json(const Suppression& s) {
  return {{"id", s.id},
          {"sid", s.sid},
          {"track", s.track},
          {"network", s.network ? s.network->to_string() : ""},
          {"reason", s.reason},
          {"owner", s.owner},
          {"expires", s.expires},
          {"created_by", s.created_by},
          {"created", s.created},
          {"suppressed", s.suppressed},
          {"last_suppressed", s.last_suppressed}};
}

Result<Suppression> suppression_from(const json& j) {
  Suppression s;
  s.id = j.at("id").get<uint64_t>();
  s.sid = j.at("sid").get<uint32_t>();
  s.track = j.value("track", "");
  if (const std::string network = j.value("network", ""); !network.empty()) {
    auto parsed = Cidr::parse(network);
    if (!parsed) return fail(parsed.error());
    s.network = *parsed;
  }
  s.reason = j.value("reason", "");
  s.owner = j.value("owner", "");
  s.expires = j.value("expires", Timestamp{0});
  s.created_by = j.value("created_by", "");
  s.created = j.value("created", Timestamp{0});
  s.suppressed = j.value("suppressed", uint64_t{0});
  s.last_suppressed = j.value("last_suppressed", Timestamp{0});
  return s;
}

// A stored document as JSON; nullopt when the key is not there.
Result<std::optional<json>> read_json(storage::RocksStore& store, const std::string& key) {
  auto text = store.get_state(key);
  if (!text) return fail(text.error());
  if (!*text) return std::optional<json>();
  json parsed = json::parse(**text, nullptr, false);
  if (parsed.is_discarded()) return fail(ErrorCode::corrupt_data, "state key " + key + " is not JSON");
  return std::optional<json>(std::move(parsed));
}

}  // namespace

bool Suppression::applies(const Event& alert) const {
  if (!alert.alert || alert.alert->signature_id != sid) return false;
  if (track == "by_src") return alert.src_ip && network && network->contains(*alert.src_ip);
  if (track == "by_dst") return alert.dest_ip && network && network->contains(*alert.dest_ip);
  return true;
}

RuleAdmin::RuleAdmin(storage::RocksStore& store, const Clock& clock) : store_(store), clock_(clock) {}

Result<void> RuleAdmin::open() {
  try {
    auto overrides = read_json(store_, kOverridesKey);
    if (!overrides) return fail(overrides.error());
    auto suppressions = read_json(store_, kSuppressionsKey);
    if (!suppressions) return fail(suppressions.error());
    auto hits = read_json(store_, kHitsKey);
    if (!hits) return fail(hits.error());
    std::lock_guard lock(mutex_);
    if (*overrides) overrides_ = overrides_from(**overrides);
    if (*suppressions) {
      next_suppression_id_ = (**suppressions).value("next_id", uint64_t{1});
      for (const json& item : (**suppressions).at("items")) {
        auto s = suppression_from(item);
        if (!s) return fail(s.error().with_context(kSuppressionsKey));
        suppressions_.push_back(std::move(*s));
      }
    }
    if (*hits) {
      for (const auto& [sid, h] : (**hits).items()) {
        hits_[static_cast<uint32_t>(std::stoul(sid))] = {h.value("hits", uint64_t{0}), h.value("last", Timestamp{0}),
                                                         h.value("suppressed", uint64_t{0})};
      }
    }
  } catch (const std::exception& e) {
    return fail(ErrorCode::corrupt_data, std::string("stored rule overrides or suppressions do not read: ") + e.what());
  }
  return ok();
}

RuleOverrides RuleAdmin::overrides() const {
  std::lock_guard lock(mutex_);
  return overrides_;
}

Result<void> RuleAdmin::save_overrides(const RuleOverrides& overrides) {
  std::lock_guard lock(mutex_);
  RuleOverrides kept;
  for (const auto& [sid, o] : overrides) {
    if (!o.empty()) kept[sid] = o;
  }
  if (auto put = store_.put_state(kOverridesKey, overrides_json(kept).dump()); !put) return put;
  overrides_ = std::move(kept);
  return ok();
}

void RuleAdmin::rules_loaded(std::shared_ptr<const RuleCatalogue> catalogue,
                             std::shared_ptr<const rules::RuleSet> rules) {
  std::lock_guard lock(mutex_);
  catalogue_ = std::move(catalogue);
  rules_ = std::move(rules);
}

std::shared_ptr<const RuleCatalogue> RuleAdmin::catalogue() const {
  std::lock_guard lock(mutex_);
  return catalogue_;
}

std::shared_ptr<const rules::RuleSet> RuleAdmin::rule_set() const {
  std::lock_guard lock(mutex_);
  return rules_;
}

void RuleAdmin::filter(std::vector<Event>& events) {
  bool flush_now = false;
  {
    std::lock_guard lock(mutex_);
    const Timestamp now = clock_.now();
    std::erase_if(events, [&](const Event& event) {
      if (event.type != EventType::alert || !event.alert) return false;
      const uint32_t sid = event.alert->signature_id;
      RuleHits& hits = hits_[sid];
      ++hits.hits;
      hits.last = std::max(hits.last, event.timestamp);
      auto& hour = pending_hours_[hour_of(event.timestamp)][sid];
      ++hour.first;
      dirty_ = true;
      for (Suppression& s : suppressions_) {
        // Expiry is the wall clock's, so a suppression stops at its time without a reload.
        if (s.expired(now) || !s.applies(event)) continue;
        ++s.suppressed;
        s.last_suppressed = std::max(s.last_suppressed, event.timestamp);
        ++hits.suppressed;
        ++hour.second;
        return true;
      }
      return false;
    });
    flush_now = dirty_ && std::chrono::steady_clock::now() - last_flush_ >= std::chrono::seconds(1);
  }
  if (flush_now) {
    if (auto flushed = flush_counters(); !flushed) spdlog::error("rule hit counters: {}", flushed.error().message);
  }
}

Result<void> RuleAdmin::flush_counters() {
  std::lock_guard flushing(flush_mutex_);
  std::map<Timestamp, std::map<uint32_t, std::pair<uint64_t, uint64_t>>> hours_to_add;
  json totals = json::object();
  {
    std::lock_guard lock(mutex_);
    if (!dirty_) return ok();
    hours_to_add.swap(pending_hours_);
    for (const auto& [sid, h] : hits_) {
      totals[std::to_string(sid)] = {{"hits", h.hits}, {"last", h.last}, {"suppressed", h.suppressed}};
    }
    dirty_ = false;
    last_flush_ = std::chrono::steady_clock::now();
  }
  // Only this (serialised) flush writes the hourly documents, so read-add-write cannot lose a count.
  // It runs on the pipeline thread: a damaged document is an Error, never an exception there.
  try {
    if (auto added = add_hours(hours_to_add); !added) return added;
  } catch (const std::exception& e) {
    return fail(ErrorCode::corrupt_data, std::string("hourly rule hit counts: ") + e.what());
  }
  if (auto put = store_.put_state(kHitsKey, totals.dump()); !put) return put;
  // The suppressions' counts live in their list.
  std::lock_guard lock(mutex_);
  return save_suppressions_locked();
}

Result<void> RuleAdmin::add_hours(const std::map<Timestamp, std::map<uint32_t, std::pair<uint64_t, uint64_t>>>& hours_to_add) {
  for (const auto& [hour, sids] : hours_to_add) {
    auto stored = read_json(store_, hour_key(hour));
    if (!stored) return fail(stored.error());
    json doc = *stored ? **stored : json::object();
    for (const auto& [sid, counts] : sids) {
      json& entry = doc[std::to_string(sid)];
      if (!entry.is_object()) entry = json::object();
      if (!entry.is_object()) entry = json::object();  // a sid new this hour: value() on null throws
      entry["hits"] = entry.value("hits", uint64_t{0}) + counts.first;
      entry["suppressed"] = entry.value("suppressed", uint64_t{0}) + counts.second;
    }
    if (auto put = store_.put_state(hour_key(hour), doc.dump()); !put) return put;
  }
  return ok();
}

Result<void> RuleAdmin::save_suppressions_locked() {
  json items = json::array();
  for (const Suppression& s : suppressions_) items.push_back(suppression_json(s));
  return store_.put_state(kSuppressionsKey, json{{"next_id", next_suppression_id_}, {"items", std::move(items)}}.dump());
}

std::vector<Suppression> RuleAdmin::suppressions() const {
  std::lock_guard lock(mutex_);
  return suppressions_;
}

Result<Suppression> RuleAdmin::add_suppression(Suppression suppression) {
  std::lock_guard lock(mutex_);
  suppression.id = next_suppression_id_++;
  suppressions_.push_back(suppression);
  if (auto saved = save_suppressions_locked(); !saved) {
    suppressions_.pop_back();
    return fail(saved.error());
  }
  return suppression;
}

Result<bool> RuleAdmin::remove_suppression(uint64_t id) {
  std::lock_guard lock(mutex_);
  const auto it = std::find_if(suppressions_.begin(), suppressions_.end(), [&](const Suppression& s) { return s.id == id; });
  if (it == suppressions_.end()) return false;
  const Suppression removed = *it;
  suppressions_.erase(it);
  if (auto saved = save_suppressions_locked(); !saved) {
    suppressions_.push_back(removed);
    return fail(saved.error());
  }
  return true;
}

std::map<uint32_t, RuleHits> RuleAdmin::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}

Result<std::map<uint32_t, RuleHits>> RuleAdmin::hits_since(Timestamp since) {
  if (auto flushed = flush_counters(); !flushed) return fail(flushed.error());
  std::map<uint32_t, RuleHits> out;
  const Timestamp last = hour_of(clock_.now());
  // An hour per key: a year is 8760 point reads, well under a second; older than that is not asked.
  for (Timestamp hour = std::max(hour_of(since), last - hours(24 * 366)); hour <= last; hour += hours(1)) {
    auto doc = read_json(store_, hour_key(hour));
    if (!doc) return fail(doc.error());
    if (!*doc) continue;
    for (const auto& [sid, entry] : (**doc).items()) {
      RuleHits& h = out[static_cast<uint32_t>(std::stoul(sid))];
      h.hits += entry.value("hits", uint64_t{0});
      h.suppressed += entry.value("suppressed", uint64_t{0});
    }
  }
  std::lock_guard lock(mutex_);
  for (auto& [sid, h] : out) {
    if (auto it = hits_.find(sid); it != hits_.end()) h.last = it->second.last;
  }
  return out;
}

json RuleAdmin::status() const {
  std::lock_guard lock(mutex_);
  const Timestamp now = clock_.now();
  size_t disabled = 0, thresholds = 0, active = 0, expired = 0;
  uint64_t suppressed = 0;
  for (const auto& [sid, o] : overrides_) {
    disabled += o.disabled ? 1 : 0;
    thresholds += o.threshold ? 1 : 0;
  }
  for (const Suppression& s : suppressions_) {
    (s.expired(now) ? expired : active) += 1;
    suppressed += s.suppressed;
  }
  return {{"disabled", disabled},
          {"threshold_overrides", thresholds},
          {"suppressions_active", active},
          {"suppressions_expired", expired},
          {"suppressed_alerts", suppressed}};
}

}  // namespace vigil::daemon
