#include "time_arg.h"

namespace vigil::cli {

Result<Timestamp> parse_time_arg(std::string_view text, Timestamp now) {
  if (text == "now") return now;
  // An age: digits then a unit, and nothing that could also be a date ("2026-03-02" has dashes).
  if (!text.empty() && text.find_first_of("-:T@") == std::string_view::npos && text.back() >= 'a' &&
      text.back() <= 'z') {
    auto age = parse_duration(text);
    if (!age) {
      return fail(ErrorCode::invalid_argument, "not a time: '" + std::string(text) +
                                                   "' (expected RFC 3339 such as 2026-03-02T10:15:30Z, a date, "
                                                   "'now', or an age such as 24h or 7d)");
    }
    return now - *age;
  }
  auto parsed = parse_timestamp(text);
  if (!parsed) {
    return fail(ErrorCode::invalid_argument, parsed.error().message + "; or 'now', or an age such as 24h or 7d");
  }
  return parsed;
}

std::string rfc3339(Timestamp ts) {
  std::string text = format_timestamp(ts);  // "...+0000"
  return text.substr(0, text.size() - 5) + "Z";
}

}  // namespace vigil::cli
