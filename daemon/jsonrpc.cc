#include "jsonrpc.h"

namespace vigil::daemon {

using nlohmann::json;

std::string error_line(const json& id, int code, const std::string& message) {
  // `replace`: a message quoting the caller's bytes (a method name) must not make dump() throw on
  // invalid UTF-8.
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

std::string result_line(const json& id, json result) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}}.dump(-1, ' ', false,
                                                                                  json::error_handler_t::replace);
}

DecodedLine decode_request(std::string_view line) {
  DecodedLine out;
  auto refuse = [&out](const json& id, int code, const std::string& message) {
    out.error_reply = error_line(id, code, message);
    return std::move(out);
  };
  // Invalid UTF-8 in a string is a parse error here rather than an exception at dump() time. Without
  // exceptions and with the parser's own depth handling, no input can throw out of here.
  json request = json::parse(line, nullptr, false);
  if (request.is_discarded()) return refuse(nullptr, rpc_error::kParse, "parse error: not valid JSON");
  if (!request.is_object()) {
    return refuse(nullptr, rpc_error::kInvalidRequest,
                  request.is_array() ? "batch requests are not supported: send one request per line"
                                     : "a request must be a JSON object");
  }
  const auto id_it = request.find("id");
  const bool notification = id_it == request.end();
  json id = notification ? json() : *id_it;
  if (!id.is_null() && !id.is_string() && !id.is_number_integer()) {
    return refuse(nullptr, rpc_error::kInvalidRequest, "'id' must be a string or an integer");
  }
  const auto version = request.find("jsonrpc");
  if (version == request.end() || *version != "2.0") {
    return refuse(id, rpc_error::kInvalidRequest, "'jsonrpc' must be \"2.0\"");
  }
  const auto method = request.find("method");
  if (method == request.end() || !method->is_string()) {
    return refuse(id, rpc_error::kInvalidRequest, "'method' must be a string");
  }
  const auto params = request.find("params");
  if (params != request.end() && !params->is_object()) {
    return refuse(id, rpc_error::kInvalidParams, "'params' must be an object of named parameters");
  }
  RpcRequest decoded;
  decoded.id = std::move(id);
  decoded.notification = notification;
  decoded.method = method->get<std::string>();
  decoded.params = params != request.end() ? std::move(*params) : json::object();
  out.request = std::move(decoded);
  return out;
}

}  // namespace vigil::daemon
