// Protocol recognition from a direction's first bytes, after Suricata's app-layer detection:
// patterns at the start of the stream (HTTP methods, "HTTP/1.", "SSH-", TLS handshake records,
// FTP/SMTP commands) and, for DNS, which has no pattern, a probing parse on its port.
// Thread contract: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "vigil/applayer/app_layer_flow.h"

namespace vigil::applayer {

struct ProbeResult {
  enum class Verdict : uint8_t { no, need_more, yes } verdict = Verdict::no;
  AppProto proto = AppProto::unknown;
};

struct ProbeInput {
  std::string_view bytes;  // the direction's first bytes
  Direction direction;
  Transport transport;
  uint16_t client_port;
  uint16_t server_port;
  uint16_t dns_port;
};

ProbeResult probe_protocol(const ProbeInput& input);

// The DNS header and first question look like DNS (used by the probe and by the fuzz target).
bool plausible_dns_message(std::string_view message);

}  // namespace vigil::applayer
