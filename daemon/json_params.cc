#include "json_params.h"

namespace vigil::daemon::rpc_params {

using nlohmann::json;

const json& field(const json& params, const char* name) {
  static const json kNull;
  if (!params.is_object()) return kNull;
  const auto it = params.find(name);
  return it == params.end() ? kNull : *it;
}

std::optional<std::string> opt_string(const json& params, const char* name) {
  const json& v = field(params, name);
  if (v.is_null()) return std::nullopt;
  if (!v.is_string()) throw BadParams{std::string("'") + name + "' must be a string"};
  return v.get<std::string>();
}

std::string req_string(const json& params, const char* name) {
  auto v = opt_string(params, name);
  if (!v) throw BadParams{std::string("'") + name + "' is required"};
  return *v;
}

std::optional<int64_t> opt_int(const json& params, const char* name, int64_t min, int64_t max) {
  const json& v = field(params, name);
  if (v.is_null()) return std::nullopt;
  if (!v.is_number_integer() || v.get<int64_t>() < min || v.get<int64_t>() > max) {
    throw BadParams{std::string("'") + name + "' must be a whole number from " + std::to_string(min) + " to " +
                    std::to_string(max)};
  }
  return v.get<int64_t>();
}

bool opt_bool(const json& params, const char* name) {
  const json& v = field(params, name);
  if (v.is_null()) return false;
  if (!v.is_boolean()) throw BadParams{std::string("'") + name + "' must be true or false"};
  return v.get<bool>();
}

}  // namespace vigil::daemon::rpc_params
