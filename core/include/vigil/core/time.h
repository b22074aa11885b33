// Time in vigil: microseconds since the Unix epoch, UTC. Event time is always the packet's own
// time, never the wall clock, so replays are reproducible. Clock is the seam for "now".
// Thread contract: functions are pure; SystemClock is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "vigil/core/result.h"

namespace vigil {

using Timestamp = int64_t;  // microseconds since 1970-01-01T00:00:00Z
using Duration = int64_t;   // microseconds

constexpr Duration kMicrosPerSecond = 1'000'000;
constexpr Duration seconds(int64_t n) { return n * kMicrosPerSecond; }
constexpr Duration minutes(int64_t n) { return seconds(n * 60); }
constexpr Duration hours(int64_t n) { return minutes(n * 60); }

// "2024-03-01T10:15:30.123456+0000", the EVE timestamp format.
std::string format_timestamp(Timestamp ts);
// Accepts the EVE format, RFC 3339 ("...Z", "+07:00"), a date "2024-03-01", or "@<unix seconds>".
Result<Timestamp> parse_timestamp(std::string_view text);
// "90s", "15m", "2h", "3d", or a bare number of seconds.
Result<Duration> parse_duration(std::string_view text);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp now() const override;
};

}  // namespace vigil
