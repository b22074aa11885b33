#include "vigil/correlator/correlator.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <optional>
#include <unordered_set>
#include <utility>

#include "group_window.h"
#include "incident_book.h"
#include "log.h"
#include "title_template.h"
#include "vigil/correlator/incident_category.h"
#include "vigil/correlator/incident_policy.h"
#include "rule_state.h"
#include "window_store.h"

namespace vigil::correlator {

namespace {

// "60s", "15m", "2h": the largest whole unit.
std::string format_span(Duration span) {
  if (span > 0 && span % hours(1) == 0) return std::to_string(span / hours(1)) + "h";
  if (span > 0 && span % minutes(1) == 0) return std::to_string(span / minutes(1)) + "m";
  if (span % kMicrosPerSecond == 0) return std::to_string(span / kMicrosPerSecond) + "s";
  return std::to_string(span / 1000) + "ms";
}

// Values may hold ',' or '=' (alert.signature): escape them so distinct groups never share a key.
void append_escaped(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
}

// Into `key` (cleared first) so the per-event path reuses one buffer instead of allocating.
void make_group_key(const std::vector<std::string>& fields, const std::vector<FieldValue>& values, std::string& key) {
  key.clear();
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) key += ',';
    key += fields[i];
    key += '=';
    append_escaped(key, values[i].text);
  }
  }

bool is_port_field(std::string_view name) { return name.ends_with("port"); }

std::optional<Observable> observable_of(std::string_view field, const FieldValue& value) {
  if (value.ip) return Observable{"ip", value.text};
  if (is_port_field(field) && value.number && *value.number > 0) return Observable{"port", value.text};
  return std::nullopt;
}

void add_unique(std::vector<Observable>& list, Observable item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(std::move(item));
}

Duration clamp_non_negative(Duration d) { return d < 0 ? 0 : d; }

// Event times come from packets and may be garbage; only plausible ones are worth formatting.
std::string describe_time(Timestamp ts) {
  constexpr Timestamp kYear9999 = 253'402'300'799LL * kMicrosPerSecond;
  if (ts < 0 || ts > kYear9999) return std::to_string(ts) + " us";
  return format_timestamp(ts);
}

}  // namespace

struct Correlator::Impl {
  Impl(std::vector<CorrelationRule> r, IncidentStore& store, CorrelatorOptions o, StateStore* state)
      : rules(std::move(r)),
        options(o),
        policy(o.policy ? o.policy : std::make_shared<const IncidentPolicy>()),
        book(store, o.max_observables, policy.get()),
        window_store(state) {
    options.late_allowance = clamp_non_negative(options.late_allowance);
    options.max_backward_jump = std::max(options.max_backward_jump, options.late_allowance);
    states.reserve(rules.size());
    std::unordered_map<std::string, size_t> index;
    for (const auto& rule : rules) {
      index.emplace(rule.id, states.size());
      states.emplace_back(rule, options.max_groups_per_rule);
    }
    for (size_t i = 0; i < states.size(); ++i) {
      if (!states[i].rule->temporal()) continue;
      temporal_states.push_back(i);
      // A member that is missing (hand-built rules; the loader refuses them) simply never fires.
      for (const auto& member : states[i].rule->member_rules) {
        auto it = index.find(member);
        states[i].members.push_back(it == index.end() || states[it->second].rule->temporal() ? SIZE_MAX : it->second);
      }
    }
  }

  Result<void> start() {
    if (!windows_restored) {
      if (auto restored = restore_windows(); !restored) {
        log().warn("{}; correlation waits until the state store answers", restored.error().message);
        return restored;
      }
      windows_restored = true;
    }
    return load_open_incidents();
  }

  Result<void> restore_windows() {
    auto restored = window_store.restore(states);
    if (!restored) {
      book.count_store_error();
      return fail(restored.error());
    }
    if (restored->watermark) watermark = *restored->watermark;
    counters.groups_restored = restored->groups;
    return ok();
  }

  // `force` ignores the save interval (save_windows(), shutdown).
  Result<void> save_windows(bool force) {
    if (!windows_restored || !watermark) return ok();
    auto saved = window_store.save(states, *watermark, force ? 0 : options.state_save_interval);
    if (!saved) {
      book.count_store_error();
      return fail(saved.error());
    }
    counters.window_shards_written += *saved;
    return ok();
  }

  Result<void> flush() {
    auto written = book.flush();
    auto saved = save_windows(false);
    if (!written) return written;
    return saved;
  }

  Result<size_t> review(Timestamp now) {
    IncidentQuery query;
    query.open_only = true;
    query.limit = options.max_open_incidents;
    auto listed = book.store().list(query);
    if (!listed) {
      book.count_store_error();
      return fail(listed.error().with_context("reviewing open incidents"));
    }
    size_t changed = 0;
    for (auto& incident : *listed) {
      if (!apply_policy(incident, *policy, now)) continue;
      if (auto put = book.store().put(incident); !put) {
        book.count_store_error();
        return fail(put.error().with_context("writing incident " + incident.id));
      }
      ++changed;
      book.notify(incident);
    }
    return changed;
  }

  Result<void> load_open_incidents() {
    std::unordered_set<std::string> ids;
    for (const auto& rule : rules) ids.insert(rule.id);
    auto loaded = book.load_open(ids, options.max_open_incidents);
    if (!loaded) {
      log().warn("{}; correlation waits until the store answers", loaded.error().message);
      return loaded;
    }
    ready = true;
    return ok();
  }

  // Moves the watermark (the newest event time seen). A step back larger than max_backward_jump is
  // a new timeline: windows built on the old one would hold every new event as late, so they restart.
  void advance_watermark(Timestamp ts) {
    if (!watermark) {
      watermark = ts;
      return;
    }
    if (ts < saturating_sub(*watermark, options.max_backward_jump)) {
      ++counters.time_jumps;
      size_t dropped = 0;
      for (auto& state : states) dropped += state.groups.clear();
      counters.groups_expired += dropped;
      // A capture stitched from many days jumps back at every seam: one warning says it happens,
      // the rest are counted (time_jumps) so the log stays readable.
      auto level = counters.time_jumps == 1 ? spdlog::level::warn : spdlog::level::debug;
      log().log(level, "event time jumped back from {} to {}; {} correlation windows restarted{}",
                describe_time(*watermark), describe_time(ts), dropped,
                counters.time_jumps == 1 ? " (later jumps are counted, not logged)" : "");
      watermark = ts;
      return;
    }
    watermark = std::max(*watermark, ts);
  }

  void expire_idle_groups() {
    for (auto& state : states) {
      if (!state.has_windows() || state.groups.size() == 0) continue;
      Timestamp cutoff = saturating_sub(saturating_sub(*watermark, state.rule->timespan), options.late_allowance);
      // Sweeping the table at most every 1/8 of the window keeps expiry O(1) per event; idle groups
      // linger that much longer, which only costs memory.
      Duration slack = (state.rule->timespan + options.late_allowance) / 8;
      counters.groups_expired += state.groups.expire(cutoff, slack);
    }
  }

  std::vector<Observable> observables_for(const Event& event, const CorrelationRule& rule,
                                          const std::vector<FieldValue>& group_values) const {
    std::vector<Observable> out;
    if (event.src_ip) add_unique(out, {"ip", event.src_ip->to_string()});
    if (event.dest_ip) add_unique(out, {"ip", event.dest_ip->to_string()});
    if (event.dest_port != 0) add_unique(out, {"port", std::to_string(event.dest_port)});
    for (size_t i = 0; i < rule.group_by.size(); ++i) {
      if (auto observable = observable_of(rule.group_by[i], group_values[i])) add_unique(out, *observable);
    }
    return out;
  }

  void tag(Event& event, const std::string& id, bool may_tag) const {
    if (may_tag && event.incident_id.empty()) event.incident_id = id;
  }

  // Raises a new incident from the events in `refs` (sorted by time).
  Result<void> raise(RuleState& state, const std::string& group_key, const std::vector<FieldValue>& group_values,
                     Event& event, bool may_tag, std::vector<EventRef> refs, uint64_t count,
                     const std::vector<std::string>& distinct_values,
                     std::optional<IntervalWindow::Regularity> regularity = std::nullopt) {
    const CorrelationRule& rule = *state.rule;
    auto number = book.next_number();
    if (!number) {
      book.count_store_error();
      return fail(number.error().with_context("raising an incident for rule " + rule.id));
    }

    Incident incident;
    incident.id = format_incident_id(*number);
    incident.title = render_title(rule.title, [&](std::string_view name) -> std::optional<std::string> {
      for (size_t i = 0; i < rule.group_by.size(); ++i) {
        if (rule.group_by[i] == name) return group_values[i].text;
      }
      if (name == "count") return std::to_string(count);
      if (name == "rule_id") return rule.id;
      if (auto value = event_field(event, name)) return value->text;
      return std::nullopt;
    });
    incident.severity = rule.severity;
    incident.state = IncidentState::new_;
    incident.layer = 1;
    incident.rule_id = rule.id;
    incident.group_key = group_key;
    incident.first_seen = refs.empty() ? event.timestamp : std::min(refs.front().timestamp, event.timestamp);
    incident.last_seen = refs.empty() ? event.timestamp : std::max(refs.back().timestamp, event.timestamp);
    incident.event_count = count;
    if (refs.size() > Incident::kMaxEventRefs) refs.resize(Incident::kMaxEventRefs);
    incident.events = std::move(refs);

    std::vector<Observable> observables = observables_for(event, rule, group_values);
    if (!distinct_values.empty()) {
      FieldValue probe;
      for (const auto& value : distinct_values) {
        probe.text = value;
        auto ip = IpAddress::parse(value);
        probe.ip = ip ? std::optional<IpAddress>(*ip) : std::nullopt;
        probe.number = std::nullopt;
        if (is_port_field(rule.value_field) && !value.empty() &&
            std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          probe.number = 1;
        }
        if (auto observable = observable_of(rule.value_field, probe)) add_unique(observables, *observable);
      }
    }
    if (observables.size() > options.max_observables) observables.resize(options.max_observables);
    incident.observables = std::move(observables);
    incident.tlp = rule.tlp.empty() ? "amber" : rule.tlp;
    // An explicit category wins; a temporal rule chains several kinds of activity (the taxonomy's
    // "combined"); otherwise the triggering alert's classification decides.
    if (!rule.category.empty()) {
      incident.category = rule.category;
    } else if (rule.temporal()) {
      incident.category = std::string(to_string(IncidentCategory::combined));
    } else if (event.alert) {
      incident.category = std::string(to_string(category_for_classification(event.alert->category)));
    } else {
      incident.category = std::string(to_string(IncidentCategory::other));
    }

    std::string what = "raised by rule " + rule.id + ": ";
    switch (rule.type) {
      case CorrelationType::value_count:
        what += std::to_string(count) + " distinct " + rule.value_field + " in " + format_span(rule.timespan) +
                " (" + rule.condition.to_string() + ")";
        break;
      case CorrelationType::event_count:
        what += std::to_string(count) + " events in " + format_span(rule.timespan) + " (" +
                rule.condition.to_string() + ")";
        if (regularity) {
          char text[64];
          std::snprintf(text, sizeof text, ", one every %.1fs (jitter %.2f)",
                        static_cast<double>(regularity->mean_interval) / kMicrosPerSecond, regularity->jitter);
          what += text;
        }
        break;
      case CorrelationType::temporal:
      case CorrelationType::temporal_ordered: {
        std::string members;
        for (const auto& member : rule.member_rules) members += (members.empty() ? "" : ", ") + member;
        what += members + (rule.type == CorrelationType::temporal_ordered ? " in this order" : "") + " within " +
                format_span(rule.timespan);
        break;
      }
      default:
        what += std::to_string(count) + (count == 1 ? " event" : " events");
        break;
    }
    if (!group_key.empty()) what += " for " + group_key;
    incident.timeline.push_back({event.timestamp, "correlator", std::move(what)});

    // Agencies, severity by asset criticality, drill tag, layer and report clock: all on event time, so
    // replaying a capture gives the same incidents.
    classify_incident(incident, *policy, event.timestamp);
    apply_policy(incident, *policy, event.timestamp);

    tag(event, incident.id, may_tag);
    ++state.stats.incidents_raised;
    ++counters.incidents_raised;
    book.add_new(std::move(incident));
    return ok();
  }

  Result<void> count_in_window(RuleState& state, const std::string& group_key, const std::string& counted,
                               Event& event, bool may_tag) {
    const CorrelationRule& rule = *state.rule;
    const bool distinct = rule.type == CorrelationType::value_count;
    GroupWindow* group = find_in_time(state, group_key, event);
    if (!group) return ok();  // late
    group->newest = std::max(group->newest, event.timestamp);
    Timestamp cutoff = saturating_sub(group->newest, rule.timespan);
    uint64_t count = 0;
    std::optional<IntervalWindow::Regularity> regularity;
    if (distinct) {
      auto& window = std::get<DistinctWindow>(group->window);
      window.add(event.ref(), counted, cutoff);
      count = window.count();
    } else if (state.kind == WindowKind::interval) {
      auto& window = std::get<IntervalWindow>(group->window);
      window.add(event.ref(), event.flow ? event.flow->start : event.timestamp, cutoff);
      count = window.count();
    } else {
      auto& window = std::get<CountWindow>(group->window);
      window.add(event.ref(), cutoff);
      count = window.count();
    }
    state.groups.touch(*group, *watermark);
    if (!rule.condition.accepts(count)) return ok();
    if (state.kind == WindowKind::interval) {
      regularity = std::get<IntervalWindow>(group->window).regularity();
      if (!regularity || regularity->jitter > *rule.condition.interval_jitter_lte) return ok();
    }
    fired(state);
    if (!rule.generate) {
      // Only feeds temporal rules: the window starts over, as it would after raising an incident.
      state.groups.erase(group_key);
      return ok();
    }

    std::vector<EventRef> refs;
    std::vector<std::string> values;
    if (distinct) {
      const auto& window = std::get<DistinctWindow>(group->window);
      refs = window.refs();
      values = window.values();
    } else if (state.kind == WindowKind::interval) {
      refs = std::get<IntervalWindow>(group->window).refs();
    } else {
      refs = std::get<CountWindow>(group->window).refs();
    }
    std::vector<FieldValue> group_values;
    group_values_of(rule, event, group_values);
    auto raised = raise(state, group_key, group_values, event, may_tag, std::move(refs), count, values, regularity);
    if (!raised) return raised;  // keep the window: the next event retries
    // The window's events now live in the incident; later matches attach to it while it is open.
    state.groups.erase(group_key);
    return ok();
  }


  // The group's window, created when new; nullptr when the event is late for it.
  GroupWindow* find_in_time(RuleState& state, const std::string& group_key, const Event& event) {
    GroupWindow* group = state.groups.find(group_key);
    if (group && event.timestamp < saturating_sub(group->newest, options.late_allowance)) {
      ++state.stats.late_events;
      ++counters.late_events;
      return nullptr;
    }
    if (!group) {
      size_t evicted = 0;
      group = &state.groups.create(group_key, state.kind, state.window_size(), evicted);
      counters.groups_evicted += evicted;
      group->newest = event.timestamp;
      group->touched_watermark = *watermark;
    }
    return group;
  }

  void fired(RuleState& state) { state.fired_stamp = counters.events_seen; }

  OpenIncident* find_open(const CorrelationRule& rule, const std::string& group_key) {
    if (book.open_count() == 0) return nullptr;
    dedup_buffer.assign(rule.id);
    dedup_buffer += '\x1f';
    dedup_buffer += group_key;
    return book.find_open(dedup_buffer);
  }

  // A member of a temporal rule fired on `event`: record it in the temporal rule's group window.
  Result<void> temporal_hit(RuleState& state, size_t member, Event& event, bool may_tag) {
    const CorrelationRule& rule = *state.rule;
    std::vector<FieldValue> group_values;
    if (!group_values_of(rule, event, group_values)) return ok();
    ++state.stats.matched;
    std::string group_key;
    make_group_key(rule.group_by, group_values, group_key);
    if (OpenIncident* open = find_open(rule, group_key)) {
      book.attach(*open, event, observables_for(event, rule, group_values), rule.id);
      tag(event, open->id, may_tag);
      ++state.stats.incident_updates;
      ++counters.incident_updates;
      return ok();
    }
    GroupWindow* group = find_in_time(state, group_key, event);
    if (!group) return ok();
    group->newest = std::max(group->newest, event.timestamp);
    const bool ordered = rule.type == CorrelationType::temporal_ordered;
    auto& window = std::get<TemporalWindow>(group->window);
    bool complete = window.hit(member, event.ref(), rule.timespan, ordered);
    state.groups.touch(*group, *watermark);
    if (!complete) return ok();
    auto raised = raise(state, group_key, group_values, event, may_tag, window.refs(ordered), rule.member_rules.size(), {});
    if (!raised) return raised;
    state.groups.erase(group_key);
    return ok();
  }

  // Same text as make_group_key over event_field values.
  static bool build_group_key(const RuleState& state, const Event& event, std::string& key) {
    key.clear();
    const auto& fields = state.rule->group_by;
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) key += ',';
      key += fields[i];
      key += '=';
      if (!append_field_text(event, fields[i], state.group_fields[i], true, key)) return false;
    }
    return true;
  }

  static bool group_values_of(const CorrelationRule& rule, const Event& event, std::vector<FieldValue>& out) {
    out.clear();
    for (const auto& field : rule.group_by) {
      auto value = event_field(event, field);
      if (!value) return false;
      out.push_back(std::move(*value));
    }
    return true;
  }

  Result<void> process(Event& event) {
    if (!ready) {
      if (auto started = start(); !started) return started;
    }
    ++counters.events_seen;
    advance_watermark(event.timestamp);
    expire_idle_groups();

    const bool may_tag = event.incident_id.empty();
    bool matched_any = false;
    Result<void> result;
    std::vector<FieldValue> group_values;
    for (auto& state : states) {
      const CorrelationRule& rule = *state.rule;
      if (rule.temporal() || !rule.enabled || !rule.matches(event)) continue;
      // The key and the counted value are formatted straight from the event; FieldValues (for titles
      // and observables) are built only when an incident is raised or added to.
      std::string& group_key = key_buffer;
      if (!build_group_key(state, event, group_key)) continue;
      if (rule.type == CorrelationType::value_count) {
        value_buffer.clear();
        if (!append_field_text(event, rule.value_field, state.value_field, false, value_buffer)) continue;
      }
      ++state.stats.matched;
      matched_any = true;

      if (OpenIncident* open = find_open(rule, group_key)) {
        group_values_of(rule, event, group_values);
        book.attach(*open, event, observables_for(event, rule, group_values), rule.id);
        tag(event, open->id, may_tag);
        ++state.stats.incident_updates;
        ++counters.incident_updates;
        fired(state);
        continue;
      }

      Result<void> step;
      switch (rule.type) {
        case CorrelationType::single:
          fired(state);
          if (rule.generate) {
            group_values_of(rule, event, group_values);
            step = raise(state, group_key, group_values, event, may_tag, {event.ref()}, 1, {});
          }
          break;
        case CorrelationType::event_count:
        case CorrelationType::value_count:
          step = count_in_window(state, group_key, value_buffer, event, may_tag);
          break;
        case CorrelationType::temporal:
        case CorrelationType::temporal_ordered:
          break;  // evaluated below, once every member rule has seen the event
      }
      if (!step && result) result = step;
    }
    for (size_t index : temporal_states) {
      RuleState& state = states[index];
      if (!state.rule->enabled) continue;
      for (size_t member = 0; member < state.members.size(); ++member) {
        size_t member_index = state.members[member];
        if (member_index == SIZE_MAX || states[member_index].fired_stamp != counters.events_seen) continue;
        matched_any = true;
        Result<void> step = temporal_hit(state, member, event, may_tag);
        if (!step && result) result = step;
      }
    }
    if (matched_any) ++counters.events_matched;
    return result;
  }

  CorrelatorStats stats() const {
    CorrelatorStats out = counters;
    out.incidents_written = book.written();
    out.store_errors = book.store_errors();
    out.open_incidents = book.open_count();
    out.pending_writes = book.pending_count();
    out.active_groups = 0;
    out.rules.clear();
    for (const auto& state : states) {
      RuleStats rule_stats = state.stats;
      rule_stats.active_groups = state.groups.size();
      out.active_groups += rule_stats.active_groups;
      out.rules.push_back(std::move(rule_stats));
    }
    return out;
  }

  std::vector<CorrelationRule> rules;
  CorrelatorOptions options;
  std::vector<RuleState> states;
  std::shared_ptr<const IncidentPolicy> policy;  // before book, which keeps a pointer to it
  IncidentBook book;
  WindowStore window_store;
  std::vector<size_t> temporal_states;
  std::string key_buffer;    // the group key of the event being processed (non-temporal rules)
  std::string value_buffer;  // the counted value of a value_count rule for that event
  std::string dedup_buffer;  // rule id + group key, for open-incident lookups
  bool windows_restored = false;
  CorrelatorStats counters;
  std::optional<Timestamp> watermark;
  bool ready = false;
};

Correlator::Correlator(std::vector<CorrelationRule> rules, IncidentStore& store, CorrelatorOptions options,
                       StateStore* state)
    : impl_(std::make_unique<Impl>(std::move(rules), store, options, state)) {
  // A failure is logged and retried by process(); the constructor cannot return it.
  (void)impl_->start();
}

Correlator::~Correlator() = default;
Correlator::Correlator(Correlator&&) noexcept = default;
Correlator& Correlator::operator=(Correlator&&) noexcept = default;

Result<void> Correlator::process(Event& event) { return impl_->process(event); }
Result<void> Correlator::flush() { return impl_->flush(); }
Result<void> Correlator::save_windows() { return impl_->save_windows(true); }
Result<size_t> Correlator::review_incidents(Timestamp now) {
  if (auto flushed = impl_->book.flush(); !flushed) return fail(flushed.error());
  return impl_->review(now);
}
void Correlator::incident_changed(const Incident& incident) { impl_->book.changed(incident); }
void Correlator::set_incident_listener(std::function<void(const Incident&)> listener) {
  impl_->book.set_listener(std::move(listener));
}
bool Correlator::ready() const { return impl_->ready; }
std::optional<Timestamp> Correlator::watermark() const { return impl_->watermark; }
CorrelatorStats Correlator::stats() const { return impl_->stats(); }
const std::vector<CorrelationRule>& Correlator::rules() const { return impl_->rules; }

}  // namespace vigil::correlator
