// Reads for the list commands from the running daemon (alerts.list, incidents.list) when a remote
// daemon is set with --connect, paging through its replies up to the query's limit. The same Event and
// Incident values as a read of the data dir, so the commands print them the same way.
// Thread contract: one thread.
#pragma once

#include <vector>

#include "vigil/core/event.h"
#include "vigil/core/incident.h"
#include "vigil/core/interfaces.h"
#include "vigil/core/result.h"

namespace vigil::cli {

Result<std::vector<Event>> alerts_from_daemon(const EventQuery& query);
Result<std::vector<Incident>> incidents_from_daemon(const IncidentQuery& query);

}  // namespace vigil::cli
