// Small text helpers shared by the correlator's sources. Private to the module; pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vigil::correlator {

// ASCII case-insensitive equality (EVE values are ASCII; Sigma matches strings case-insensitively).
bool iequals(std::string_view a, std::string_view b);

// The whole text as a finite number, or nullopt ("22" -> 22, "1e3" -> 1000, "10.0.0.1" -> nullopt).
std::optional<double> parse_number(std::string_view text);

}  // namespace vigil::correlator
