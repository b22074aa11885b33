// The responders' reads of the control API, for `vigil incidents list|show` and `vigil alerts list`:
// incidents.list and alerts.list with every filter of IncidentQuery / EventQuery (filters the store
// cannot index are checked on each record while a page fills, so `limit` and `next_cursor` stay
// right), and incidents.events, the events an incident references, fetched by reference. Also the
// optional `note` of a change (incidents.resolve, incidents.escalate): added in the same
// read-change-write as the change itself, so the incident never holds one without the other.
// Thread contract: reads on the control thread; add_note_param on the pipeline thread with the change.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "vigil/core/incident.h"
#include "vigil/core/result.h"
#include "vigil/core/time.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::daemon {

bool is_incident_read_method(std::string_view method);

// The JSON-RPC reply line (result or error) for incidents.list, incidents.events or alerts.list.
std::string handle_incident_read(storage::RocksStore& store, const std::string& method, const nlohmann::json& params,
                                 const nlohmann::json& id);

// When params has a "note" (a non-empty string), adds it to the incident's notes as `actor`.
Result<void> add_note_param(Incident& incident, const nlohmann::json& params, std::string_view actor, Timestamp now);

}  // namespace vigil::daemon
