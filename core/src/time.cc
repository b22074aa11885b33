#include "vigil/core/time.h"

#include <cstdio>
#include <ctime>

namespace vigil {

namespace {

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm), so
// formatting and parsing never depend on the process's time zone or on timegm's range.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}
  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  // Exactly `count` digits.
  bool digits(int count, int64_t& out) {
    out = 0;
    for (int i = 0; i < count; ++i) {
      const char c = peek();
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
      ++pos_;
    }
    return true;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

std::string format_timestamp(Timestamp ts) {
  const int64_t secs = floor_div(ts, kMicrosPerSecond);
  int64_t micros = ts % kMicrosPerSecond;  // not ts - secs * 1e6: that overflows near INT64_MIN
  if (micros < 0) micros += kMicrosPerSecond;
  const int64_t days = floor_div(secs, 86400);
  const int64_t in_day = secs - days * 86400;
  int64_t year;
  unsigned month, day;
  civil_from_days(days, year, month, day);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lld+0000",
                static_cast<long long>(year), month, day, static_cast<long long>(in_day / 3600),
                static_cast<long long>(in_day / 60 % 60), static_cast<long long>(in_day % 60),
                static_cast<long long>(micros));
  return buffer;
}

Result<Timestamp> parse_timestamp(std::string_view text) {
  auto bad = [&] {
    return fail(ErrorCode::parse_error,
                "not a time: '" + std::string(text) + "' (expected e.g. 2026-03-02T10:15:30Z, 2026-03-02 or @1772445330)");
  };
  if (!text.empty() && text[0] == '@') {
    int64_t value = 0;
    bool negative = false;
    size_t i = 1;
    if (i < text.size() && text[i] == '-') { negative = true; ++i; }
    if (i == text.size()) return bad();
    for (; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9') return bad();
      value = value * 10 + (text[i] - '0');
    }
    return (negative ? -value : value) * kMicrosPerSecond;
  }
  Reader r(text);
  int64_t year, month, day, hour = 0, minute = 0, second = 0, micros = 0;
  if (!r.digits(4, year) || !r.eat('-') || !r.digits(2, month) || !r.eat('-') || !r.digits(2, day)) return bad();
  if (month < 1 || month > 12 || day < 1 || day > 31) return bad();
  int64_t offset_minutes = 0;
  if (!r.done()) {
    if (!r.eat('T') && !r.eat(' ')) return bad();
    if (!r.digits(2, hour) || !r.eat(':') || !r.digits(2, minute)) return bad();
    if (r.eat(':') && !r.digits(2, second)) return bad();
    if (hour > 23 || minute > 59 || second > 60) return bad();
    if (r.eat('.')) {
      int digits = 0;
      while (r.peek() >= '0' && r.peek() <= '9') {
        int64_t digit;
        r.digits(1, digit);
        if (digits < 6) micros = micros * 10 + digit;
        ++digits;
      }
      if (digits == 0) return bad();
      for (; digits < 6; ++digits) micros *= 10;
    }
    if (r.eat('Z')) {
    } else if (r.peek() == '+' || r.peek() == '-') {
      const int sign = r.peek() == '-' ? -1 : 1;
      r.eat(r.peek());
      int64_t oh, om;
      if (!r.digits(2, oh)) return bad();
      r.eat(':');
      if (!r.digits(2, om)) return bad();
      offset_minutes = sign * (oh * 60 + om);
    }
    if (!r.done()) return bad();
  }
  const int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return secs * kMicrosPerSecond + micros;
}

Result<Duration> parse_duration(std::string_view text) {
  auto bad = [&] {
    return fail(ErrorCode::parse_error, "not a duration: '" + std::string(text) + "' (expected e.g. 90s, 15m, 2h, 3d)");
  };
  if (text.empty()) return bad();
  int64_t value = 0;
  size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    value = value * 10 + (text[i] - '0');
    if (value > 100'000'000) return bad();
  }
  if (i == 0) return bad();
  const std::string_view unit = text.substr(i);
  if (unit.empty() || unit == "s") return seconds(value);
  if (unit == "ms") return value * 1000;
  if (unit == "m") return minutes(value);
  if (unit == "h") return hours(value);
  if (unit == "d") return hours(value * 24);
  return bad();
}

Timestamp SystemClock::now() const {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace vigil
