// JSON-RPC 2.0 framing of the control API: one line in, a decoded request or the error reply to send
// back. Pure functions with no daemon state, shared by every transport (Unix socket, TLS) through
// ControlApi::handle and fuzzed on their own (fuzz/jsonrpc_fuzz.cc).
// Thread contract: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace vigil::daemon {

namespace rpc_error {
inline constexpr int kParse = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternal = -32603;
inline constexpr int kForbidden = -32001;  // the caller's role may not call this method
inline constexpr int kNotFound = -32002;   // no such incident
inline constexpr int kRefused = -32003;    // the action is not allowed in the incident's state
inline constexpr int kBusy = -32004;       // a rule reload is already running
inline constexpr int kFailed = -32005;     // the action ran and failed (storage, a broken rule set)
}  // namespace rpc_error

struct RpcRequest {
  nlohmann::json id;          // a string, an integer, or null
  bool notification = false;  // no "id": nothing is sent back, not even an error
  std::string method;
  nlohmann::json params;      // always an object ({} when absent)
};

struct DecodedLine {
  std::optional<RpcRequest> request;
  std::string error_reply;  // when there is no request: the error line to send (always sent, even for a
                            // would-be notification, since a broken line cannot say it was one)
};

// Parses and checks one line (without its newline): JSON, an object, jsonrpc "2.0", id a string, integer
// or null, method a string, params an object. Never throws.
DecodedLine decode_request(std::string_view line);

std::string error_line(const nlohmann::json& id, int code, const std::string& message);
std::string result_line(const nlohmann::json& id, nlohmann::json result);

}  // namespace vigil::daemon
