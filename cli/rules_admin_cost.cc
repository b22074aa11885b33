// vigil rules stats --cost --pcap FILE [--rules PATH]: match cost per rule, measured offline with the
// Scanner's optional profile (rules/rule_profile.h) on a capture, so the running daemon pays nothing.
// The packets are decoded and given their flow facts as the sensors do; stream reassembly and IP
// defragmentation are left out, so the figures are those of packet matching.
#include <algorithm>
#include <iostream>
#include <set>

#include "rules_admin.h"
#include "rules_admin_common.h"
#include "table.h"
#include "vigil/rules/rule_profile.h"
#include "vigil/rules/scanner.h"
#include "vigil/sensors/decoder.h"
#include "vigil/sensors/flow_table.h"
#include "vigil/sensors/pcap_file_source.h"

namespace vigil::cli {

using nlohmann::json;

namespace {

class DiscardSink final : public EventSink {
 public:
  void consume(Event) override {}
};

}  // namespace

int run_rule_cost(const std::string& socket, std::vector<std::string> rule_paths, const std::string& pcap, size_t top,
                  bool as_json) {
  std::set<uint32_t> disabled;  // by the daemon: left out of the table, as vigild does not run them
  if (rule_paths.empty()) {
    auto listed = call_daemon(socket, "stats", "rules.list", json::object());
    if (!listed) return kExitFailure;
    std::set<std::string> files;
    for (const json& row : (*listed)["rules"]) {
      if (!row.value("file", "").empty()) files.insert(row.value("file", ""));
      if (row.value("state", "") == "disabled") disabled.insert(row.value("sid", 0u));
    }
    rule_paths.assign(files.begin(), files.end());
    if (rule_paths.empty()) return runtime_error("rules stats --cost: vigild lists no rule files; give --rules PATH");
  }
  rules::RuleLoadReport report;
  auto loaded = rules::load_rule_set(rule_paths, rules::RuleVariables::suricata_defaults(), report,
                                     rules::RuleCompileOptions{rules::default_rule_cache_dir()});
  if (!loaded) return usage_error("rules stats --cost: " + loaded.error().message);
  auto source = sensors::PcapFileSource::open(pcap);
  if (!source) return usage_error("rules stats --cost: " + source.error().message);

  rules::Scanner scanner(*loaded);
  rules::RuleProfile profile;
  scanner.set_profile(&profile);
  sensors::Decoder decoder;
  DiscardSink sink;
  sensors::FlowTable flows(sink, {"rules-cost", "offline"});
  std::vector<const rules::RuleInfo*> alerts;
  sensors::RawPacket raw;
  uint64_t packets = 0;
  for (;;) {
    auto more = source->next(raw);
    if (!more) return runtime_error("rules stats --cost: " + more.error().message);
    if (!*more) break;
    rules::Packet packet;
    const auto decoded = decoder.decode(source->link_type(), raw, packet);
    if (!decoded.decoded() || decoded.is_fragment) continue;
    flows.update(packet, raw.wire_len);  // direction, established, first packet each way, flowbits
    alerts.clear();
    scanner.scan(packet, alerts);
    ++packets;
  }

  struct Row {
    const rules::RuleInfo* info;
    rules::RuleCounters counters;
  };
  std::vector<Row> rows;
  uint64_t total_ns = 0;
  const auto& infos = (*loaded)->rules();
  for (size_t i = 0; i < infos.size() && i < profile.size(); ++i) {
    if (disabled.count(infos[i].sid)) continue;
    rows.push_back({&infos[i], profile[i]});
    total_ns += profile[i].nanoseconds;
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.counters.nanoseconds > b.counters.nanoseconds; });
  if (as_json) {
    json out = {{"pcap", pcap}, {"packets", packets}, {"rules", rows.size()}, {"total_nanoseconds", total_ns}};
    json cost = json::array();
    for (const Row& row : rows) {
      cost.push_back({{"sid", row.info->sid},
                      {"msg", row.info->msg},
                      {"checks", row.counters.checks},
                      {"matches", row.counters.matches},
                      {"nanoseconds", row.counters.nanoseconds}});
    }
    out["cost"] = std::move(cost);
    std::cout << out.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    return kExitOk;
  }
  std::cout << pcap << ": " << packets << " " << tr("packets") << ", " << rows.size() << " " << tr("rules") << ", "
            << tr("time in rule checks:") << " " << total_ns / 1000 << " µs\n";
  Table table({std::string(tr("SID")), std::string(tr("CHECKS")), std::string(tr("MATCHES")),
               std::string(tr("TIME µs")), std::string(tr("SHARE")), std::string(tr("MESSAGE"))});
  for (size_t i = 0; i < rows.size() && i < top; ++i) {
    const Row& row = rows[i];
    const double share = total_ns == 0 ? 0.0 : 100.0 * static_cast<double>(row.counters.nanoseconds) / total_ns;
    char share_text[16];
    std::snprintf(share_text, sizeof share_text, "%.1f%%", share);
    table.add_row({std::to_string(row.info->sid), std::to_string(row.counters.checks),
                   std::to_string(row.counters.matches), std::to_string(row.counters.nanoseconds / 1000), share_text,
                   row.info->msg});
  }
  table.print(std::cout);
  return kExitOk;
}

}  // namespace vigil::cli
