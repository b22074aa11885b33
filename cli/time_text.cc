#include "time_text.h"

#include <ctime>

#include "i18n.h"

namespace vigil::cli {

namespace {

std::string local_time(Timestamp t, const char* format) {
  // Floor division: a time before 1970 must not round towards zero into the next second.
  std::time_t seconds_since_epoch = static_cast<std::time_t>(t / kMicrosPerSecond);
  if (t % kMicrosPerSecond < 0) --seconds_since_epoch;
  std::tm parts{};
  if (localtime_r(&seconds_since_epoch, &parts) == nullptr) return "?";
  char text[64];
  const size_t length = std::strftime(text, sizeof text, format, &parts);
  return std::string(text, length);
}

// "5m" / "5 phút": the amount and its unit in the current language.
std::string amount(int64_t count, char unit) {
  const std::string number = std::to_string(count);
  if (lang() == Lang::vi) {
    switch (unit) {
      case 's': return number + " giây";
      case 'm': return number + " phút";
      case 'h': return number + " giờ";
      default: return number + " ngày";
    }
  }
  return number + unit;
}

}  // namespace

std::string when_text(Timestamp t, Timestamp now) {
  const bool future = t > now;
  const Duration distance = future ? t - now : now - t;
  constexpr Duration kDay = hours(24);
  if (distance >= 7 * kDay) return local_time(t, "%Y-%m-%d");
  if (distance < seconds(1)) return lang() == Lang::vi ? "vừa xong" : "just now";
  std::string span;
  if (distance < minutes(1)) {
    span = amount(distance / seconds(1), 's');
  } else if (distance < hours(1)) {
    span = amount(distance / minutes(1), 'm');
  } else if (distance < kDay) {
    span = amount(distance / hours(1), 'h');
  } else {
    span = amount(distance / kDay, 'd');
  }
  if (lang() == Lang::vi) return future ? span + " nữa" : span + " trước";
  return future ? "in " + span : span + " ago";
}

std::string table_time(Timestamp t) { return local_time(t, "%Y-%m-%d %H:%M:%S"); }

}  // namespace vigil::cli
