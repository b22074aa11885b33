// Event fields by their EVE name ("src_ip", "dest_port", "alert.signature_id", "flow.bytes_toserver",
// "event_type", "app_proto", "http.hostname", "tls.ja3.hash", ...), so correlation filters and group_by work over any field without a switch
// per caller. Thread contract: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "vigil/core/event.h"

namespace vigil {

struct FieldValue {
  std::string text;               // always set: the value as EVE shows it
  std::optional<double> number;   // for numeric fields
  std::optional<IpAddress> ip;    // for address fields
};

// nullopt when the event has no such field (e.g. "alert.sid" on a flow event).
std::optional<FieldValue> event_field(const Event& event, std::string_view name);

}  // namespace vigil
