// Readers of a JSON-RPC call's params for the control API handlers. Each throws BadParams with the
// message the caller gets back as one kInvalidParams reply, so a handler reads its parameters
// without a check after every read. Thread contract: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "vigil/core/result.h"

namespace vigil::daemon::rpc_params {

struct BadParams {
  std::string message;
};

// The named member, or null when params is not an object or has no such member.
const nlohmann::json& field(const nlohmann::json& params, const char* name);

std::optional<std::string> opt_string(const nlohmann::json& params, const char* name);
std::string req_string(const nlohmann::json& params, const char* name);
std::optional<int64_t> opt_int(const nlohmann::json& params, const char* name, int64_t min, int64_t max);
bool opt_bool(const nlohmann::json& params, const char* name);  // absent: false

// The parsed value, or BadParams naming the parameter and the parser's reason.
template <typename T>
T must(Result<T> parsed, const char* name) {
  if (!parsed) throw BadParams{std::string("'") + name + "': " + parsed.error().message};
  return std::move(*parsed);
}

}  // namespace vigil::daemon::rpc_params
