// The correlation method of the control API, for `vigil correlation list`:
//   correlation.list {}   the correlation rules the running correlator has loaded, in rule order: id, title,
//                         type, timespan, condition, severity, category, enabled, where it was read from,
//                         what it counted since vigild started (matched, incidents raised, groups held)
//                         and how many stored incidents it raised over the data dir's life.
// The rules and their counters are read on the pipeline thread (the correlator's only thread, which a
// reload also swaps on); the stored incidents are counted on the control thread first.
// Thread contract: handle_correlation() on the control thread; `reply` runs on the pipeline thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "pipeline.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::daemon {

bool is_correlation_method(std::string_view method);

void handle_correlation(storage::RocksStore& store, Pipeline& pipeline, const std::string& method,
                        const nlohmann::json& params, const nlohmann::json& id,
                        std::function<void(std::string line)> reply);

}  // namespace vigil::daemon
