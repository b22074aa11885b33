#include "correlation_reload.h"

#include <spdlog/spdlog.h>

#include "detection.h"

namespace vigil::daemon {

correlator::CorrelatorOptions correlator_options(const DaemonConfig& config,
                                                 std::shared_ptr<const correlator::IncidentPolicy> policy) {
  correlator::CorrelatorOptions options;
  options.late_allowance = config.late_allowance;
  options.policy = std::move(policy);
  return options;
}

CorrelationReload::CorrelationReload(const DaemonConfig& config, Pipeline& pipeline, storage::RocksStore& store,
                                     size_t rules_loaded)
    : config_(config), pipeline_(pipeline), store_(store), loaded_(rules_loaded) {}

CorrelationReload::~CorrelationReload() {
  if (thread_.joinable()) thread_.join();
}

void CorrelationReload::finish(Result<std::string> outcome, const std::function<void(Result<std::string>)>& done) {
  {
    std::lock_guard lock(mutex_);
    last_error_ = outcome ? "" : outcome.error().message;
  }
  if (outcome) {
    spdlog::info("correlation reloaded: {}", *outcome);
  } else {
    spdlog::warn("{}", outcome.error().message);
  }
  running_ = false;
  done(std::move(outcome));
}

void CorrelationReload::reload(std::function<void(Result<std::string>)> done) {
  if (running_.exchange(true)) {
    return done(fail(ErrorCode::unsupported, "a correlation reload is already running; try again when it ends"));
  }
  if (thread_.joinable()) thread_.join();
  // Reading and checking YAML is file work: never on the pipeline thread, which only swaps.
  thread_ = std::thread([this, done = std::move(done)] {
    const std::string keep = "correlation reload refused, the running rules and policy stay: ";
    auto policy = load_policy(config_);
    if (!policy) return finish(fail(policy.error().code, keep + policy.error().message), done);
    auto loaded = load_correlation(config_);
    if (!loaded) return finish(fail(loaded.error().code, keep + loaded.error().message), done);
    if (!loaded->errors.empty()) {
      return finish(fail(ErrorCode::invalid_argument, keep + std::to_string(loaded->errors.size()) +
                                                          " rules have errors; first: " + loaded->errors.front()),
                    done);
    }
    const size_t count = loaded->rules.size();
    auto rules = std::make_shared<std::vector<correlator::CorrelationRule>>(std::move(loaded->rules));
    auto make = [this, rules, policy = *policy]() -> Result<correlator::Correlator> {
      return correlator::Correlator(std::move(*rules), store_, correlator_options(config_, policy), &store_);
    };
    pipeline_.replace_correlator(make, [this, count, done, keep](Result<void> swapped) {
      if (!swapped) return finish(fail(swapped.error().code, keep + swapped.error().message), done);
      {
        std::lock_guard lock(mutex_);
        loaded_ = count;
        ++reloads_;
      }
      finish(std::to_string(count) + " correlation rules and the incident policy loaded", done);
    });
  });
}

nlohmann::json CorrelationReload::status() const {
  std::lock_guard lock(mutex_);
  return {{"loaded", loaded_}, {"reloads", reloads_}, {"last_reload_error", last_error_}};
}

}  // namespace vigil::daemon
