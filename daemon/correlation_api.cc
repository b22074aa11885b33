#include "correlation_api.h"

#include <map>

#include "jsonrpc.h"

namespace vigil::daemon {

using nlohmann::json;

namespace {

constexpr size_t kScanPage = 1000;

// "90s", "2m", "1h", "3d": the largest unit that divides the span, as rule files write it.
std::string span_text(Duration span) {
  const int64_t s = span / 1'000'000;
  if (s > 0 && s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s > 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s > 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

json rule_json(const correlator::CorrelationRule& rule, const correlator::RuleStats* stats, uint64_t stored) {
  json out = {{"id", rule.id},
              {"title", rule.title},
              {"type", std::string(correlator::to_string(rule.type))},
              {"severity", std::string(to_string(rule.severity))},
              {"category", rule.category},
              {"enabled", rule.enabled},
              {"generate", rule.generate},
              {"group_by", rule.group_by},
              {"source", rule.source},
              {"line", rule.line},
              {"incidents_stored", stored}};
  out["timespan"] = rule.timespan > 0 ? json(span_text(rule.timespan)) : json();
  out["timespan_seconds"] = rule.timespan / 1'000'000;
  out["condition"] = rule.windowed() ? json(rule.condition.to_string()) : json();
  out["threshold"] = rule.windowed() ? json(rule.condition.threshold()) : json();
  if (!rule.value_field.empty()) out["value_field"] = rule.value_field;
  if (!rule.member_rules.empty()) out["rules"] = rule.member_rules;
  out["matched"] = stats ? stats->matched : 0;
  out["incidents_raised"] = stats ? stats->incidents_raised : 0;  // since vigild started (or the last reload)
  out["active_groups"] = stats ? stats->active_groups : 0;
  return out;
}

}  // namespace

bool is_correlation_method(std::string_view method) { return method == "correlation.list"; }

void handle_correlation(storage::RocksStore& store, Pipeline& pipeline, const std::string& /*method*/,
                        const json& /*params*/, const json& id, std::function<void(std::string line)> reply) {
  // Over the data dir's life: the correlator's counters restart with vigild, the incidents stay.
  std::map<std::string, uint64_t> stored;
  IncidentQuery query;
  query.limit = kScanPage;
  do {
    auto page = store.list_page(query);
    if (!page) return reply(error_line(id, rpc_error::kFailed, page.error().message));
    for (const Incident& incident : page->incidents) ++stored[incident.rule_id];
    query.cursor = page->next_cursor;
  } while (!query.cursor.empty());
  pipeline.post([id, reply, stored = std::move(stored)](correlator::Correlator& correlator) {
    const correlator::CorrelatorStats stats = correlator.stats();
    std::map<std::string, const correlator::RuleStats*> by_rule;
    for (const auto& rule_stats : stats.rules) by_rule[rule_stats.rule_id] = &rule_stats;
    json rules = json::array();
    for (const auto& rule : correlator.rules()) {
      const auto found = by_rule.find(rule.id);
      const auto count = stored.find(rule.id);
      rules.push_back(rule_json(rule, found == by_rule.end() ? nullptr : found->second,
                                count == stored.end() ? 0 : count->second));
    }
    reply(result_line(id, {{"rules", std::move(rules)}}));
  });
}

}  // namespace vigil::daemon
