// libFuzzer target for the control API's request decoding (daemon/jsonrpc.h): whatever bytes a client
// sends, each line becomes a request or an error reply that is itself valid JSON-RPC 2.0 — never a
// crash, an exception, a hang or a sanitizer report. The input is split into lines as the control
// connection does (a trailing '\r' dropped, blank lines skipped).
//
// Input: the bytes of one or more request lines.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "jsonrpc.h"

namespace {

void check(bool condition) {
  if (!condition) std::abort();  // an invariant broken: libFuzzer reports it as a crash with the input
}

void decode_one(std::string_view line) {
  using nlohmann::json;
  const vigil::daemon::DecodedLine decoded = vigil::daemon::decode_request(line);
  if (decoded.request) {
    const auto& request = *decoded.request;
    check(decoded.error_reply.empty());
    check(request.params.is_object());
    check(request.id.is_null() || request.id.is_string() || request.id.is_number_integer());
    check(!request.notification || request.id.is_null());
    // What the dispatcher does with a decoded request: replies quoting the id and the method.
    const std::string reply = vigil::daemon::error_line(request.id, vigil::daemon::rpc_error::kMethodNotFound,
                                                        "no such method: " + request.method);
    check(!json::parse(reply, nullptr, false).is_discarded());
    (void)vigil::daemon::result_line(request.id, request.params);
    return;
  }
  const json reply = json::parse(decoded.error_reply, nullptr, false);
  check(reply.is_object() && reply.value("jsonrpc", "") == "2.0" && reply.contains("error"));
  check(reply["error"]["code"].is_number_integer());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    const size_t newline = input.find('\n');
    std::string_view line = input.substr(0, newline);
    input = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    decode_one(line);
  }
  return 0;
}
