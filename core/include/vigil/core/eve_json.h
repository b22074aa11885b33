// JSON codecs for Event (Suricata EVE JSON, extended with sensor, zone, incident_id) and Incident.
// Used by the EVE writer, storage records, the control API and exports.
// Thread contract: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "vigil/core/event.h"
#include "vigil/core/incident.h"

namespace vigil {

// One line of EVE JSON, no trailing newline. Field order is fixed so output is byte-stable.
std::string to_eve_json(const Event& event);
Result<Event> event_from_json(std::string_view json);

std::string to_json(const Incident& incident);
Result<Incident> incident_from_json(std::string_view json);

// Bytes that print as themselves in payload_printable; others become '.'.
std::string printable_payload(std::string_view payload);
std::string base64_encode(std::string_view bytes);
Result<std::string> base64_decode(std::string_view text);

}  // namespace vigil
