// IPv4 header options as the `ipopts` keyword sees them: which kIpOpt* bits a header sets.
// Called by the packet matcher for rules with `ipopts` only. Thread contract: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace vigil::rules {

// The kIpOpt* bits of the options in an IPv4 header (with its options). Follows Suricata's decoder:
// an option whose layout is invalid is not counted, EOL ends the list, and a length that runs past
// the header makes the whole header carry no options. Not IPv4 or no options: 0.
uint16_t ipv4_option_bits(std::string_view ip_header);

// The bit for an `ipopts` value (rr, eol, nop, ts, sec, esec, lsrr, ssrr, satid, any).
std::optional<uint16_t> ip_option_by_name(std::string_view name);

}  // namespace vigil::rules
