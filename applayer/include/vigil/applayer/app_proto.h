// The application-layer vocabulary: which protocol a flow speaks and which way its bytes go.
// Used by AppLayerFlow (recognition), Transaction (what a parser produced) and the rules engine
// (`alert http ...`, `app-layer-protocol`). Thread contract: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace vigil::applayer {

// Suricata's names (app-layer-protocol, EVE `app_proto`). `unknown`: not recognised (yet, or ever).
enum class AppProto : uint8_t { unknown, http, tls, dns, ssh, ftp, smtp };
inline constexpr size_t kAppProtoCount = 7;

std::string_view app_proto_name(AppProto proto);
// "http", "http1", "tls", "ssl", "dns", "ssh", "ftp", "smtp"; unknown for anything else.
AppProto app_proto_by_name(std::string_view name);

// Which side sent the bytes: the client (the side that opened the flow) or the server.
enum class Direction : uint8_t { to_server, to_client };

inline Direction opposite(Direction direction) {
  return direction == Direction::to_server ? Direction::to_client : Direction::to_server;
}

}  // namespace vigil::applayer
