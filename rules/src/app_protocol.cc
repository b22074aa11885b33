#include "app_protocol.h"

#include <string>

#include "text_util.h"

namespace vigil::rules {
namespace {


bool http_request(std::string_view p) {
  // Suricata's HTTP probing patterns: a request method followed by a space.
  static constexpr std::string_view kMethods[] = {
      "GET ",    "POST ",    "HEAD ",  "PUT ",     "DELETE ", "OPTIONS ", "CONNECT ", "TRACE ", "PATCH ",
      "PROPFIND ", "PROPPATCH ", "MKCOL ", "COPY ",  "MOVE ",   "LOCK ",    "UNLOCK ",  "SEARCH ", "CHECKOUT ",
      "CHECKIN ", "REPORT ",  "MERGE ", "LABEL ",   "UPDATE ", "VERSION-CONTROL ", "BASELINE-CONTROL ",
      "MKWORKSPACE ", "MKACTIVITY ", "ORDERPATCH ", "ACL ", "POLL ", "SUBSCRIBE ", "UNSUBSCRIBE ",
      "NOTIFY ", "BMOVE ", "BCOPY ", "BDELETE ", "BPROPFIND ", "BPROPPATCH ", "INVOKE ", "MKCALENDAR "};
  for (std::string_view m : kMethods) {
    if (p.starts_with(m)) return true;
  }
  return false;
}

bool tls_record(std::string_view p) {
  // Handshake record (22), SSL 3.0 .. TLS 1.3 record versions 3.0-3.4.
  return p.size() >= 3 && static_cast<uint8_t>(p[0]) == 0x16 && p[1] == 0x03 && static_cast<uint8_t>(p[2]) <= 0x04;
}

}  // namespace

AppProto recognisable_app_proto(std::string_view name) {
  if (name == "http" || name == "http1") return AppProto::http;
  if (name == "tls" || name == "ssl") return AppProto::tls;
  if (name == "ssh") return AppProto::ssh;
  return AppProto::unknown;
}

Result<AppProtoCheck> parse_app_layer_protocol(std::string_view value) {
  std::string_view text = trim(value);
  if (text.find(',') != std::string_view::npos) {
    return fail(ErrorCode::unsupported, "app-layer-protocol with a direction mode ('" + std::string(text) + "')");
  }
  AppProtoCheck check;
  if (text.starts_with('!')) {
    check.negated = true;
    text = trim(text.substr(1));
  }
  if (text.empty()) return fail(ErrorCode::parse_error, "app-layer-protocol needs a protocol name");
  check.proto = recognisable_app_proto(text);
  if (check.proto == AppProto::unknown) {
    return fail(ErrorCode::unsupported, "app-layer-protocol '" + std::string(text) +
                                            "' (vigil recognises http, tls and ssh flows for rules)");
  }
  return check;
}

AppProto recognise_app_proto(std::string_view payload, bool to_server) {
  if (to_server ? http_request(payload) : payload.starts_with("HTTP/1.")) return AppProto::http;
  if (tls_record(payload)) return AppProto::tls;
  if (payload.starts_with("SSH-")) return AppProto::ssh;
  return AppProto::unknown;
}

void track_app_proto(const Packet& packet) {
  FlowState* state = packet.flow_state;
  if (state == nullptr) return;
  const bool tcp = packet.proto == 6;
  state->note_direction(packet.to_server);
  // Suricata reassembles for the app-layer only in an established session: the SYN-ACK does not
  // hand over data sent with the SYN (TCP Fast Open); the other side's next packet does.
  if (tcp && (packet.tcp_flags & kTcpSyn) == 0) state->promote_pending_app_proto(packet.to_server);
  if (state->app_proto() != AppProto::unknown || packet.payload.empty() || !state->first_payload(packet.to_server)) {
    return;
  }
  const AppProto proto = recognise_app_proto(packet.payload, packet.to_server);
  if (proto == AppProto::unknown) return;
  const bool at_once = !tcp || (packet.established && !state->seen_direction(!packet.to_server));
  if (at_once) state->set_app_proto(proto);
  else state->set_pending_app_proto(proto, packet.to_server);
}

}  // namespace vigil::rules
