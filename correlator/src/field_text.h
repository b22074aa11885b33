// Field text for group keys and counted values without building a FieldValue: the per-event path of the
// Correlator. Common fields (addresses, ports, protocol, event type) are formatted directly, the rest go
// through event_field. The text is exactly what event_field gives. Private to the module; pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "vigil/core/event.h"

namespace vigil::correlator {

enum class FastField : uint8_t { src_ip, dest_ip, src_port, dest_port, proto, event_type, other };

FastField fast_field_of(std::string_view name);

// Appends the field's text to `out`, escaping ',', '=' and '\' when `escape` (group keys); false when
// the event lacks the field (nothing appended then).
bool append_field_text(const Event& event, std::string_view name, FastField kind, bool escape, std::string& out);

}  // namespace vigil::correlator
