// The layer-4 reporting methods of the control API, for the liaison officer's `vigil reports due`,
// `vigil report` and `vigil report send`:
//   reports.due   {within?: "24h"}                 the initial notices and full reports not sent yet of every
//                                                  incident that needs one (drills never), soonest due first;
//                                                  with `within`, only those due before now + within
//   reports.form  {id, kind, impact?, help_requested?}   the incident-report form's fields (the national form:
//                                                  organisation, affected system and protection level, type,
//                                                  detection time, impact, actions taken, help requested) and
//                                                  the STIX bundle `reports.send` would queue
//   reports.send  {id, kind, impact?, help_requested?}   queues that bundle on the layer-4 outbox (the
//                                                  stix_outbox forwarder's durable spool); the sender's receipt
//                                                  later marks the report sent on the incident (forwarding.h)
// kind: initial (24 h notice), full (72 h report) or final (after resolution). Reads run on the control
// thread; reports.send is liaison/admin only (roles.cc) and audited with its outcome, refused or queued.
// A field vigil cannot know (impact, help requested) is null unless the caller gives it: the form says
// it is to be filled in.
// Cost: reports.due reads every stored incident (1000 a page) on the control thread, as the report clock
// has no index of its own: it grows with the store (an index by due time is the fix if that ever matters).
// Thread contract: on the control thread, like every read of the control API.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "vigil/core/time.h"
#include "vigil/correlator/incident_policy.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::daemon {

class Forwarding;

struct ReportApiContext {
  storage::RocksStore& store;
  Forwarding* forwarding = nullptr;                          // nullptr: no outbox to queue on
  std::shared_ptr<const correlator::IncidentPolicy> policy;  // for asset names; nullptr: none known
  Timestamp now = 0;
  // Appends an audit entry for the call being handled (reports.send): params recorded and the outcome.
  std::function<void(const nlohmann::json& params, const std::string& outcome)> audit;
};

bool is_report_method(std::string_view method);

// The JSON-RPC reply line (result or error) for one of the methods above.
std::string handle_report(const ReportApiContext& context, const std::string& method, const nlohmann::json& params,
                          const nlohmann::json& id);

}  // namespace vigil::daemon
