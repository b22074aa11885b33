// ControlApi: the JSON-RPC 2.0 methods of the control API, behind whatever transport carries the lines
// (the Unix socket today). It checks the caller's role for each method, runs reads at once, posts
// incident changes to the pipeline thread (so they never race the correlator's writes), and appends
// every change to the audit chain with actor, role, time, method and params.
// Thread contract: handle() on the control thread; `reply` may be called from any thread, once per
// request that has an id (JSON-RPC notifications get no reply).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "jsonrpc.h"
#include "pipeline.h"
#include "roles.h"
#include "rule_admin_api.h"
#include "vigil/core/result.h"
#include "vigil/core/time.h"
#include "vigil/correlator/incident_policy.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::daemon {

class Forwarding;

struct ControlHooks {
  std::function<nlohmann::json()> status;
  // Reloads the signature rules off the control thread; `done` gets a summary or why the old set stays.
  std::function<void(std::function<void(Result<std::string>)> done)> reload_rules;
  // The same for the correlation rules and the incident policy (correlation_reload.h).
  std::function<void(std::function<void(Result<std::string>)> done)> reload_correlation;
  // rules.list|show|disable|enable|threshold|suppress|... (rule_admin_api.h): the rule admin's state and
  // a reload with the overrides it asks for.
  RuleAdmin* rule_admin = nullptr;
  RuleReloader reload_rules_with;
  // alerts.tail (alert_feed.h): the alerts stored after params.after_seq; throws Error on bad params.
  std::function<nlohmann::json(const nlohmann::json& params)> alerts_tail;
  // The layer-4 outbox `reports.send` queues on (report_api.h); nullptr: none. The policy vigild started
  // with, for the asset names a report form shows.
  Forwarding* forwarding = nullptr;
  std::shared_ptr<const correlator::IncidentPolicy> policy;
};

class ControlApi {
 public:
  using Reply = std::function<void(std::string line)>;  // one JSON line, without the newline

  ControlApi(storage::RocksStore& store, Pipeline& pipeline, const Clock& clock, ControlHooks hooks);

  void handle(const Caller& caller, std::string_view line, Reply reply);

  static std::string error_line(const nlohmann::json& id, int code, const std::string& message);
  static std::string result_line(const nlohmann::json& id, nlohmann::json result);

 private:
  void dispatch(const Caller& caller, const std::string& method, const nlohmann::json& params,
                const nlohmann::json& id, Reply reply);
  // admin.backup: a RocksDB checkpoint of the store in params.to; the reply line, success or error.
  std::string backup(const Caller& caller, const nlohmann::json& params, const nlohmann::json& id);
  void change_incident(const Caller& caller, const std::string& method, const nlohmann::json& params,
                       const nlohmann::json& id, Reply reply);
  void audit(const Caller& caller, const std::string& method, const nlohmann::json& params,
             const std::string& outcome = "");

  storage::RocksStore& store_;
  Pipeline& pipeline_;
  const Clock& clock_;
  ControlHooks hooks_;
};

}  // namespace vigil::daemon
