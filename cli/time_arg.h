// Times on the command line: RFC 3339 ("2026-03-02T10:15:30Z", "+07:00"), a date, "@<unix seconds>",
// "now", or an age counted back from now ("90m", "24h", "7d": that long ago).
// Thread contract: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "vigil/core/result.h"
#include "vigil/core/time.h"

namespace vigil::cli {

Result<Timestamp> parse_time_arg(std::string_view text, Timestamp now);
// "2026-03-02T10:15:30.000000Z": RFC 3339 in UTC, what export headers and requests carry.
std::string rfc3339(Timestamp ts);

}  // namespace vigil::cli
