#include "summary.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "table.h"
#include "i18n.h"

namespace vigil::cli {

namespace {

std::string with_thousands(uint64_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
  return digits;
}

std::string megabytes(uint64_t bytes) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buffer;
}

}  // namespace

void ReplayTotals::add(const sensors::SensorStats& stats) {
  packets += stats.packets;
  bytes += stats.bytes;
  flows += stats.flows.created;
  for (const auto& [kind, count] : stats.decoder.anomalies) {
    anomalies += count;
    anomalies_by_kind[kind] += count;
  }
  kernel_drops += stats.drops.kernel + stats.drops.interface;
  queue_drops += stats.drops.queue;
  flow_evictions += stats.flows.evicted;
  fragments += stats.defrag.fragments;
  datagrams_reassembled += stats.defrag.reassembled;
  fragment_evictions += stats.defrag.evicted;
  fragment_timeouts += stats.defrag.timed_out;
}

namespace {

// What the sensors counted: drops first (what was missed), then flows, fragments and anomalies.
void print_counters(std::ostream& out, const ReplayTotals& totals) {
  out << "\n" << tr("Counters") << "\n";
  out << "  " << tr("packets") << " " << with_thousands(totals.packets) << ", " << tr("kernel drops") << " "
      << with_thousands(totals.kernel_drops) << ", " << tr("queue drops") << " " << with_thousands(totals.queue_drops)
      << "\n";
  out << "  " << tr("flows") << " " << with_thousands(totals.flows) << " (" << tr("evicted from a full flow table")
      << ": " << with_thousands(totals.flow_evictions) << ")\n";
  out << "  " << tr("IP fragments") << " " << with_thousands(totals.fragments) << " -> "
      << with_thousands(totals.datagrams_reassembled) << " " << tr("datagrams reassembled") << " (" << tr("timed out")
      << " " << with_thousands(totals.fragment_timeouts) << ", " << tr("evicted at the memory cap") << " "
      << with_thousands(totals.fragment_evictions) << ")\n";
  if (totals.anomalies_by_kind.empty()) {
    out << "  " << tr("decode anomalies") << ": " << tr("none") << "\n";
    return;
  }
  out << "  " << tr("decode anomalies") << ":";
  for (const auto& [kind, count] : totals.anomalies_by_kind) out << " " << kind << "=" << with_thousands(count);
  out << "\n";
}

}  // namespace

void print_replay_summary(std::ostream& out, const ReplayTotals& totals, const LoadedRules& rules,
                          const ReplayPipeline& pipeline, const std::string& data_dir) {
  char rate[64];
  const double mbit = totals.seconds > 0 ? static_cast<double>(totals.bytes) * 8 / 1e6 / totals.seconds : 0;
  std::snprintf(rate, sizeof rate, "%.2f s (%.0f Mbit/s)", totals.seconds, mbit);
  out << tr("Read") << " " << totals.files << " " << (totals.files == 1 ? tr("capture") : tr("captures")) << ": "
      << with_thousands(totals.packets) << " " << tr("packets") << ", " << megabytes(totals.bytes) << " " << tr("in")
      << " " << rate << "\n";
  out << tr("Rules") << ": " << rules.signatures->size() << " " << tr("signatures") << " ("
      << rules.signature_report.issues.size() << " " << tr("skipped") << "), " << rules.correlation.size() << " "
      << tr("correlation rules") << "\n";

  auto count_of = [&](EventType type) {
    const auto it = pipeline.events_by_type().find(type);
    return it == pipeline.events_by_type().end() ? uint64_t{0} : it->second;
  };
  out << tr("Events") << ": " << with_thousands(count_of(EventType::alert)) << " " << tr("alerts") << ", "
      << with_thousands(count_of(EventType::flow)) << " " << tr("flows") << ", "
      << with_thousands(count_of(EventType::anomaly)) << " " << tr("anomaly events") << " ("
      << with_thousands(totals.anomalies) << " " << tr("decode anomalies counted") << ")";
  // Only asked for with --app-events; the line stays as it was without them.
  const uint64_t records = count_of(EventType::http) + count_of(EventType::dns) + count_of(EventType::tls) +
                           count_of(EventType::ssh);
  if (records > 0) {
    out << ", " << with_thousands(records) << " " << tr("app-layer records") << " (";
    const char* separator = "";
    for (EventType type : {EventType::http, EventType::dns, EventType::tls, EventType::ssh}) {
      if (count_of(type) == 0) continue;
      out << separator << to_string(type) << " " << with_thousands(count_of(type));
      separator = ", ";
    }
    out << ")";
  }
  out << "\n";
  print_counters(out, totals);

  std::vector<std::pair<uint32_t, SignatureCount>> signatures(pipeline.alerts_by_sid().begin(),
                                                              pipeline.alerts_by_sid().end());
  std::sort(signatures.begin(), signatures.end(), [](const auto& a, const auto& b) {
    return a.second.count != b.second.count ? a.second.count > b.second.count : a.first < b.first;
  });
  out << "\n" << tr("Alerts by signature") << "\n";
  if (signatures.empty()) {
    out << "  (" << tr("none") << ")\n";
  } else {
    Table table({"  " + std::string(tr("COUNT")), tr("SID"), tr("SEV"), tr("SIGNATURE")});
    for (const auto& [sid, entry] : signatures) {
      table.add_row({"  " + with_thousands(entry.count), std::to_string(sid), std::to_string(entry.severity),
                     entry.signature});
    }
    table.print(out);
  }

  out << "\n" << tr("Incidents") << "\n";
  if (pipeline.incidents().empty()) {
    out << "  (" << tr("none") << ")\n";
  } else {
    Table table({"  " + std::string(tr("ID")), tr("SEVERITY"), tr("STATE"), tr("EVENTS"), tr("RULE"), tr("TITLE")});
    table.set_severity_column(1);
    for (const auto& [id, inc] : pipeline.incidents()) {
      table.add_row({"  " + inc.id, std::string(to_string(inc.severity)), std::string(to_string(inc.state)),
                     std::to_string(inc.event_count), inc.rule_id, inc.title});
    }
    table.print(out);
  }
  if (!data_dir.empty()) {
    out << "\n" << tr("Stored") << " " << with_thousands(pipeline.stored_events()) << " " << tr("events") << " "
        << tr("in") << " " << data_dir << " (" << tr("see") << ": vigil alerts list, vigil incidents list)\n";
  }
}

}  // namespace vigil::cli
