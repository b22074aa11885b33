// The export methods of the control API, for `vigil export`: export.page hands out one page of
// incidents, alerts or audit entries of a time range in storage order, so a large export streams page
// by page instead of building one giant reply; export.done records the finished file (record count,
// last hash, signing key id). Both are auditor/admin only (roles.cc) and audited: the first page of an
// export as "export.page" (so an export abandoned half-way is still on record), the end as "export.done".
// Thread contract: on the control thread, like every read of the control API.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "vigil/storage/rocks_store.h"

namespace vigil::daemon {

// Appends an audit entry for the call being handled: the params to record and the outcome.
using ExportAudit = std::function<void(const nlohmann::json& params, const std::string& outcome)>;

bool is_export_method(std::string_view method);

// The JSON-RPC reply line (result or error) for export.page or export.done.
std::string handle_export(storage::RocksStore& store, const std::string& method, const nlohmann::json& params,
                          const nlohmann::json& id, const ExportAudit& audit);

}  // namespace vigil::daemon
