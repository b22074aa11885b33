// `vigil incidents show|ack|assign|note|transition|resolve|escalate|close`: one incident at a time, through
// vigild (incidents.get, incidents.events and the change methods). Each change prints what changed
// (the incident's new timeline entries, old -> new); a refusal (illegal transition, wrong role, unknown
// id) is printed as vigild gave it and exits 1. Registered under `vigil incidents` by list_commands.cc.
// Thread contract: main thread.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

namespace vigil::cli {

void add_incident_commands(CLI::App& incidents, int& exit_code);

// A payload as one line a terminal shows safely: printable ASCII kept, \n \r \t and \\ escaped,
// any other byte as \xNN; cut to `width` characters with "..." when longer.
std::string payload_excerpt(std::string_view payload, size_t width);

}  // namespace vigil::cli
