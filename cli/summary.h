// The human summary `vigil replay` prints at the end: volume, speed, alerts by signature,
// incidents raised or updated, decode anomalies.
// Thread contract: main thread.
#pragma once

#include <map>
#include <ostream>
#include <string>

#include "replay_pipeline.h"
#include "rule_loading.h"
#include "vigil/sensors/packet_processor.h"

namespace vigil::cli {

struct ReplayTotals {
  uint64_t files = 0;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t anomalies = 0;
  uint64_t flows = 0;
  double seconds = 0;
  // The sensor counters (summed over captures) for the "Counters" section.
  uint64_t kernel_drops = 0;
  uint64_t queue_drops = 0;
  uint64_t flow_evictions = 0;
  uint64_t fragments = 0;
  uint64_t datagrams_reassembled = 0;
  uint64_t fragment_evictions = 0;
  uint64_t fragment_timeouts = 0;
  std::map<std::string, uint64_t> anomalies_by_kind;
  void add(const sensors::SensorStats& stats);
};

void print_replay_summary(std::ostream& out, const ReplayTotals& totals, const LoadedRules& rules,
                          const ReplayPipeline& pipeline, const std::string& data_dir);

}  // namespace vigil::cli
