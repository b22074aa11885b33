// CorrelationReload: SIGHUP and the `correlation.reload` method. Reads the correlation rules and the
// incident policy (the assets/layers/drills/reporting keys of the config file) again on a thread of
// its own; a set with a broken rule, or a policy that does not load, is refused and the running
// correlator stays, with the reason in the reply, the log and `status`. A good set is handed to the
// pipeline, which swaps it in between two batches (Pipeline::replace_correlator): the running
// correlator's incidents and windows are written first and the new one reads them back, so open
// incidents keep deduplicating and windows of unchanged rules keep counting.
// Thread contract: reload() and status() from any thread; one reload runs at a time.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "config.h"
#include "pipeline.h"
#include "vigil/core/result.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::daemon {

// The correlator options vigild runs with: the config's late allowance and the loaded policy.
correlator::CorrelatorOptions correlator_options(const DaemonConfig& config,
                                                 std::shared_ptr<const correlator::IncidentPolicy> policy);

class CorrelationReload {
 public:
  // `rules_loaded`: how many correlation rules the running correlator started with.
  CorrelationReload(const DaemonConfig& config, Pipeline& pipeline, storage::RocksStore& store, size_t rules_loaded);
  ~CorrelationReload();
  CorrelationReload(const CorrelationReload&) = delete;
  CorrelationReload& operator=(const CorrelationReload&) = delete;

  // `done` gets a summary, or why the running rules stay (ErrorCode::unsupported: one is running).
  // It is called on the reload thread or the pipeline thread.
  void reload(std::function<void(Result<std::string>)> done);
  // {loaded, reloads, last_reload_error}
  nlohmann::json status() const;

 private:
  void finish(Result<std::string> outcome, const std::function<void(Result<std::string>)>& done);

  const DaemonConfig& config_;
  Pipeline& pipeline_;
  storage::RocksStore& store_;
  mutable std::mutex mutex_;
  size_t loaded_;          // under mutex_
  uint64_t reloads_ = 0;   // under mutex_
  std::string last_error_;  // under mutex_
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace vigil::daemon
