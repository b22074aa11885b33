// Times as people read them in tables and text output: "45s ago", "5m ago", "3h ago", "2d ago",
// "in 3h", then the date beyond a week; in the current language (i18n.h). JSON keeps RFC 3339 (time_arg.h).
// Local time zone ($TZ) for absolute times: the operator reads the wall clock of the SOC, not UTC.
// Thread contract: pure functions (read the language set once in main()).
#pragma once

#include <string>

#include "vigil/core/time.h"

namespace vigil::cli {

// Relative to now: "just now", "45s ago", "5m ago", "3h ago", "2d ago", "in 3h"; seven days or more
// away: the local date "2026-03-02".
std::string when_text(Timestamp t, Timestamp now);

// An absolute local time for a table column: "2026-03-02 17:15:30".
std::string table_time(Timestamp t);

}  // namespace vigil::cli
