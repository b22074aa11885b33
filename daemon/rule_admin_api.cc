#include "rule_admin_api.h"

#include <algorithm>
#include <array>
#include <set>

#include "jsonrpc.h"

namespace vigil::daemon {

using nlohmann::json;

namespace {

// Thrown by the parameter readers below, caught in handle_rule_admin: one error reply per bad call.
struct CallError {
  int code;
  std::string message;
};

[[noreturn]] void bad(const std::string& message) { throw CallError{rpc_error::kInvalidParams, message}; }

std::string req_text(const json& params, const char* name, const char* what) {
  const auto it = params.find(name);
  if (it == params.end() || !it->is_string() || it->get<std::string>().empty()) {
    bad(std::string("'") + name + "' is required: " + what);
  }
  return it->get<std::string>();
}

std::string opt_text(const json& params, const char* name) {
  const auto it = params.find(name);
  if (it == params.end() || it->is_null()) return "";
  if (!it->is_string()) bad(std::string("'") + name + "' must be a string");
  return it->get<std::string>();
}

int64_t req_int(const json& params, const char* name, int64_t min, int64_t max) {
  const auto it = params.find(name);
  if (it == params.end() || !it->is_number_integer() || it->get<int64_t>() < min || it->get<int64_t>() > max) {
    bad(std::string("'") + name + "' must be a whole number from " + std::to_string(min) + " to " +
        std::to_string(max));
  }
  return it->get<int64_t>();
}

uint32_t req_sid(const json& params) { return static_cast<uint32_t>(req_int(params, "sid", 1, UINT32_MAX)); }

std::vector<uint32_t> req_sids(const json& params) {
  const auto it = params.find("sids");
  if (it == params.end() || !it->is_array() || it->empty()) bad("'sids' is required: a list of one or more sids");
  std::vector<uint32_t> out;
  for (const json& sid : *it) {
    if (!sid.is_number_integer() || sid.get<int64_t>() < 1 || sid.get<int64_t>() > UINT32_MAX) {
      bad("'sids' must hold whole numbers from 1 to 4294967295");
    }
    out.push_back(static_cast<uint32_t>(sid.get<int64_t>()));
  }
  return out;
}

bool opt_bool(const json& params, const char* name) {
  const auto it = params.find(name);
  if (it == params.end() || it->is_null()) return false;
  if (!it->is_boolean()) bad(std::string("'") + name + "' must be true or false");
  return it->get<bool>();
}

std::string time_text(Timestamp t) { return t == 0 ? "" : format_timestamp(t); }

json note_json(const ChangeNote& note) {
  return {{"reason", note.reason}, {"actor", note.actor}, {"time", time_text(note.time)}};
}

json overrides_view(const RuleOverride* o) {
  json out = {{"disabled", nullptr}, {"threshold", nullptr}};
  if (o == nullptr) return out;
  if (o->disabled) out["disabled"] = note_json(o->disabled_note);
  if (o->threshold) {
    json t = note_json(o->threshold_note);
    t["type"] = o->threshold->type;
    t["track"] = o->threshold->track;
    t["count"] = o->threshold->count;
    t["seconds"] = o->threshold->seconds;
    out["threshold"] = std::move(t);
  }
  return out;
}

json suppression_view(const Suppression& s, Timestamp now) {
  return {{"id", s.id},
          {"sid", s.sid},
          {"track", s.track.empty() ? "all" : s.track},
          {"network", s.network ? s.network->to_string() : ""},
          {"reason", s.reason},
          {"owner", s.owner},
          {"expires", time_text(s.expires)},
          {"state", s.expired(now) ? "expired" : "active"},
          {"suppressed", s.suppressed},
          {"last_suppressed", time_text(s.last_suppressed)},
          {"created_by", s.created_by},
          {"created", time_text(s.created)}};
}

// What the read methods need at once, taken under the admin's lock one piece at a time.
struct View {
  std::shared_ptr<const RuleCatalogue> catalogue;
  std::shared_ptr<const rules::RuleSet> rules;
  RuleOverrides overrides;
  std::vector<Suppression> suppressions;
  std::map<uint32_t, RuleHits> hits;
  std::map<uint32_t, const rules::RuleInfo*> loaded;  // sid -> the running rule

  explicit View(RuleAdmin& admin)
      : catalogue(admin.catalogue()), rules(admin.rule_set()), overrides(admin.overrides()),
        suppressions(admin.suppressions()), hits(admin.hits()) {
    if (rules) {
      for (const rules::RuleInfo& info : rules->rules()) loaded.emplace(info.sid, &info);
    }
  }
  const RuleOverride* override_of(uint32_t sid) const {
    const auto it = overrides.find(sid);
    return it == overrides.end() ? nullptr : &it->second;
  }
  std::string state(const RuleEntry* entry) const {
    if (entry == nullptr) return "no_such_rule";
    if (const RuleOverride* o = override_of(entry->sid); o && o->disabled) return "disabled";
    return loaded.count(entry->sid) ? "enabled" : "not_loaded";
  }
};

json rule_row(const View& view, const RuleEntry* entry, uint32_t sid, Timestamp now) {
  json row = {{"sid", sid}, {"state", view.state(entry)}};
  if (entry != nullptr) {
    row["gid"] = entry->gid;
    row["rev"] = entry->rev;
    row["msg"] = entry->msg;
    row["action"] = entry->action;
    row["file"] = entry->file;
    row["line"] = entry->line;
  } else {
    row["gid"] = 1;
    row["rev"] = 0;
    row["msg"] = "";
    row["action"] = "";
    row["file"] = "";
    row["line"] = 0;
  }
  row["overrides"] = overrides_view(view.override_of(sid));
  const auto hits = view.hits.find(sid);
  row["hits"] = hits == view.hits.end() ? 0 : hits->second.hits;
  row["suppressed"] = hits == view.hits.end() ? 0 : hits->second.suppressed;
  row["last_hit"] = hits == view.hits.end() ? "" : time_text(hits->second.last);
  size_t active = 0;
  for (const Suppression& s : view.suppressions) active += s.sid == sid && !s.expired(now) ? 1 : 0;
  row["suppressions_active"] = active;
  return row;
}

bool contains_nocase(std::string_view hay, std::string_view needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         }) != hay.end();
}

json list_rules(RuleAdmin& admin, const json& params) {
  const View view(admin);
  const Timestamp now = admin.now();
  const auto sid_filter = params.contains("sid") ? std::optional<uint32_t>(req_sid(params)) : std::nullopt;
  const std::string text = opt_text(params, "text");
  const std::string file = opt_text(params, "file");
  const bool only_disabled = opt_bool(params, "disabled");
  const bool only_overridden = opt_bool(params, "overridden");
  json rows = json::array();
  std::set<uint32_t> seen;
  auto keep = [&](const json& row, const RuleEntry* entry) {
    if (sid_filter && row.value("sid", uint32_t{0}) != *sid_filter) return false;
    if (!text.empty() && !(entry && (contains_nocase(entry->msg, text) || contains_nocase(entry->text, text)))) {
      return false;
    }
    if (!file.empty() && !(entry && entry->file.find(file) != std::string::npos)) return false;
    if (only_disabled && row["state"] != "disabled") return false;
    if (only_overridden && row["overrides"]["disabled"].is_null() && row["overrides"]["threshold"].is_null() &&
        row["suppressions_active"] == 0) {
      return false;
    }
    return true;
  };
  if (view.catalogue) {
    for (const RuleEntry& entry : view.catalogue->rules) {
      if (entry.sid == 0) continue;
      seen.insert(entry.sid);
      json row = rule_row(view, &entry, entry.sid, now);
      if (keep(row, &entry)) rows.push_back(std::move(row));
    }
  }
  // Overrides of sids the files no longer hold stay stored (the rule may come back) and show as such.
  for (const auto& [sid, o] : view.overrides) {
    if (seen.count(sid)) continue;
    json row = rule_row(view, nullptr, sid, now);
    if (keep(row, nullptr)) rows.push_back(std::move(row));
  }
  return {{"rules", std::move(rows)}, {"loaded", view.loaded.size()}};
}

json show_rule(RuleAdmin& admin, const json& params) {
  const uint32_t sid = req_sid(params);
  const View view(admin);
  const Timestamp now = admin.now();
  const RuleEntry* entry = view.catalogue ? view.catalogue->find(sid) : nullptr;
  if (entry == nullptr && view.override_of(sid) == nullptr) {
    throw CallError{rpc_error::kNotFound, "no such rule: sid " + std::to_string(sid) +
                                              " is not in vigild's rule files (vigil rules list shows them)"};
  }
  json out = rule_row(view, entry, sid, now);
  out["text"] = entry ? entry->text : "";
  json variables = json::array();
  for (const std::string& name : entry ? entry->variables : std::vector<std::string>{}) {
    const auto value = view.catalogue->variables.find(name.substr(1));
    variables.push_back({{"name", name}, {"value", value == view.catalogue->variables.end() ? "" : value->second}});
  }
  out["variables"] = std::move(variables);
  out["threshold_in_rule"] = entry ? entry->threshold : "";
  out["classtype"] = entry ? entry->classtype : "";
  out["category"] = "";
  out["priority"] = nullptr;
  if (const auto it = view.loaded.find(sid); it != view.loaded.end()) {
    out["classtype"] = it->second->classtype;
    out["category"] = it->second->category;
    out["priority"] = it->second->priority;
  }
  json suppressions = json::array();
  for (const Suppression& s : view.suppressions) {
    if (s.sid == sid) suppressions.push_back(suppression_view(s, now));
  }
  out["suppressions"] = std::move(suppressions);
  return out;
}

const RuleEntry& known_rule(RuleAdmin& admin, uint32_t sid) {
  const auto catalogue = admin.catalogue();
  const RuleEntry* entry = catalogue ? catalogue->find(sid) : nullptr;
  if (entry == nullptr) {
    throw CallError{rpc_error::kNotFound, "no such rule: sid " + std::to_string(sid) +
                                              " is not in vigild's rule files (vigil rules list shows them)"};
  }
  return *entry;
}

json suppress(RuleAdmin& admin, const std::string& actor, const json& params) {
  Suppression s;
  s.sid = req_sid(params);
  (void)known_rule(admin, s.sid);
  s.track = opt_text(params, "track");
  if (s.track != "" && s.track != "by_src" && s.track != "by_dst") bad("'track' must be by_src or by_dst");
  const std::string network = opt_text(params, "network");
  if (s.track.empty() != network.empty()) bad("'track' and 'network' go together (by_src or by_dst, and a CIDR)");
  if (!network.empty()) {
    auto parsed = Cidr::parse(network);
    if (!parsed) bad("'network': " + parsed.error().message);
    s.network = *parsed;
  }
  s.reason = req_text(params, "reason", "why these alerts may be dropped");
  s.owner = req_text(params, "owner", "who answers for this suppression");
  auto expires = parse_timestamp(req_text(params, "expires", "when it stops applying (RFC 3339)"));
  if (!expires) bad("'expires': " + expires.error().message);
  if (*expires <= admin.now()) bad("'expires' is in the past: a suppression must end in the future");
  s.expires = *expires;
  s.created_by = actor;
  s.created = admin.now();
  auto added = admin.add_suppression(std::move(s));
  if (!added) throw CallError{rpc_error::kFailed, added.error().message};
  return suppression_view(*added, admin.now());
}

json stats(RuleAdmin& admin, const json& params) {
  const std::string since_text = opt_text(params, "since");
  Timestamp since = 0;
  if (!since_text.empty()) {
    auto parsed = parse_timestamp(since_text);
    if (!parsed) bad("'since': " + parsed.error().message);
    since = *parsed;
  }
  const size_t top = params.contains("top") ? static_cast<size_t>(req_int(params, "top", 1, 100000)) : 10;
  std::map<uint32_t, RuleHits> hits;
  if (since_text.empty()) {
    hits = admin.hits();
  } else {
    auto counted = admin.hits_since(since);
    if (!counted) throw CallError{rpc_error::kFailed, counted.error().message};
    hits = std::move(*counted);
  }
  const View view(admin);
  std::vector<std::pair<uint32_t, RuleHits>> ranked(hits.begin(), hits.end());
  std::erase_if(ranked, [](const auto& h) { return h.second.hits == 0; });
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second.hits > b.second.hits; });
  uint64_t total = 0;
  for (const auto& [sid, h] : ranked) total += h.hits;
  json noisiest = json::array();
  for (size_t i = 0; i < ranked.size() && i < top; ++i) {
    const auto& [sid, h] = ranked[i];
    const auto it = view.loaded.find(sid);
    const RuleEntry* written = view.catalogue ? view.catalogue->find(sid) : nullptr;  // a disabled rule
    const std::string msg = it != view.loaded.end() ? it->second->msg : written ? written->msg : "";
    noisiest.push_back({{"sid", sid},
                        {"msg", msg},
                        {"state", view.state(written)},
                        {"hits", h.hits},
                        {"suppressed", h.suppressed},
                        {"last_hit", time_text(h.last)}});
  }
  json never = json::array();
  if (view.rules) {
    for (const rules::RuleInfo& info : view.rules->rules()) {
      const auto it = hits.find(info.sid);
      if (it != hits.end() && it->second.hits > 0) continue;
      never.push_back({{"sid", info.sid}, {"msg", info.msg}, {"file", info.file}, {"line", info.line}});
    }
  }
  json suppressions = json::array();
  for (const Suppression& s : view.suppressions) suppressions.push_back(suppression_view(s, admin.now()));
  return {{"since", time_text(since)},
          {"until", time_text(admin.now())},
          {"total_hits", total},
          {"rules_loaded", view.loaded.size()},
          {"rules_fired", ranked.size()},
          {"noisiest", std::move(noisiest)},
          {"never_fired", std::move(never)},
          {"suppressions", std::move(suppressions)}};
}

// disable, enable, threshold: the overrides these params ask for, or nullopt when nothing changes.
std::optional<RuleOverrides> changed_overrides(RuleAdmin& admin, const std::string& actor, const std::string& method,
                                               const json& params) {
  RuleOverrides next = admin.overrides();
  const Timestamp now = admin.now();
  bool changed = false;
  if (method == "rules.disable") {
    const std::vector<uint32_t> sids = req_sids(params);
    const std::string reason = req_text(params, "reason", "why the rule stops alerting");
    for (uint32_t sid : sids) (void)known_rule(admin, sid);
    for (uint32_t sid : sids) {
      RuleOverride& o = next[sid];
      if (o.disabled) continue;
      o.disabled = true;
      o.disabled_note = {reason, actor, now};
      changed = true;
    }
  } else if (method == "rules.enable") {
    const std::vector<uint32_t> sids = req_sids(params);
    for (uint32_t sid : sids) {
      if (!next.count(sid)) (void)known_rule(admin, sid);  // a stored override of a rule gone may be cleared
    }
    for (uint32_t sid : sids) {
      const auto it = next.find(sid);
      if (it == next.end() || !it->second.disabled) continue;
      it->second.disabled = false;
      it->second.disabled_note = {};
      changed = true;
    }
  } else {  // rules.threshold
    const uint32_t sid = req_sid(params);
    const std::string reason = req_text(params, "reason", "why the rule's threshold changes");
    if (opt_bool(params, "clear")) {
      if (!next.count(sid)) (void)known_rule(admin, sid);
      const auto it = next.find(sid);
      if (it != next.end() && it->second.threshold) {
        it->second.threshold.reset();
        it->second.threshold_note = {};
        changed = true;
      }
    } else {
      (void)known_rule(admin, sid);
      ThresholdOverride t;
      t.type = req_text(params, "type", "limit, threshold or both");
      if (t.type != "limit" && t.type != "threshold" && t.type != "both") bad("'type' must be limit, threshold or both");
      t.track = req_text(params, "track", "by_src, by_dst, by_rule or by_both");
      if (t.track != "by_src" && t.track != "by_dst" && t.track != "by_rule" && t.track != "by_both") {
        bad("'track' must be by_src, by_dst, by_rule or by_both");
      }
      t.count = static_cast<uint32_t>(req_int(params, "count", 1, 1'000'000));
      t.seconds = static_cast<uint32_t>(req_int(params, "seconds", 1, 7 * 86'400));
      RuleOverride& o = next[sid];
      o.threshold = t;
      o.threshold_note = {reason, actor, now};
      changed = true;
    }
  }
  if (!changed) return std::nullopt;
  return next;
}

void change_rules(RuleAdmin& admin, const RuleReloader& reload, const std::string& actor, const std::string& method,
                  const json& params, const json& id, const RuleAdminAudit& audit,
                  const std::function<void(std::string)>& reply) {
  auto next = changed_overrides(admin, actor, method, params);
  if (!next) {
    audit(params, "unchanged");
    return reply(result_line(id, {{"changed", false}, {"summary", "nothing to change: already so"}}));
  }
  if (!reload) return reply(error_line(id, rpc_error::kInternal, method + " is not wired"));
  reload(std::move(*next), [id, params, audit, reply](Result<std::string> done) {
    if (done) {
      audit(params, "applied: " + *done);
      reply(result_line(id, {{"changed", true}, {"summary", *done}}));
    } else {
      audit(params, "refused: " + done.error().message);
      reply(error_line(id, done.error().code == ErrorCode::unsupported ? rpc_error::kBusy : rpc_error::kFailed,
                       done.error().message));
    }
  });
}

}  // namespace

bool is_rule_admin_method(std::string_view method) {
  static constexpr std::array<std::string_view, 9> kMethods = {
      "rules.list",     "rules.show",       "rules.suppressions", "rules.stats",     "rules.disable",
      "rules.enable",   "rules.threshold",  "rules.suppress",     "rules.unsuppress"};
  return std::find(kMethods.begin(), kMethods.end(), method) != kMethods.end();
}

void handle_rule_admin(RuleAdmin& admin, const RuleReloader& reload, const std::string& actor,
                       const std::string& method, const json& params, const json& id, RuleAdminAudit audit,
                       std::function<void(std::string)> reply) {
  try {
    if (method == "rules.list") return reply(result_line(id, list_rules(admin, params)));
    if (method == "rules.show") return reply(result_line(id, show_rule(admin, params)));
    if (method == "rules.stats") return reply(result_line(id, stats(admin, params)));
    if (method == "rules.suppressions") {
      json out = json::array();
      for (const Suppression& s : admin.suppressions()) out.push_back(suppression_view(s, admin.now()));
      return reply(result_line(id, {{"suppressions", std::move(out)}}));
    }
    if (method == "rules.suppress") {
      json added = suppress(admin, actor, params);
      audit(params, "suppression " + std::to_string(added["id"].get<uint64_t>()) + " added");
      return reply(result_line(id, std::move(added)));
    }
    if (method == "rules.unsuppress") {
      const auto number = static_cast<uint64_t>(req_int(params, "id", 1, INT64_MAX));
      auto removed = admin.remove_suppression(number);
      if (!removed) throw CallError{rpc_error::kFailed, removed.error().message};
      if (!*removed) {
        throw CallError{rpc_error::kNotFound, "no suppression " + std::to_string(number) +
                                                  " (vigil rules suppress --list shows them)"};
      }
      audit(params, "suppression " + std::to_string(number) + " removed");
      return reply(result_line(id, {{"removed", number}}));
    }
    change_rules(admin, reload, actor, method, params, id, audit, reply);
  } catch (const CallError& e) {
    reply(error_line(id, e.code, e.message));
  }
}

}  // namespace vigil::daemon
