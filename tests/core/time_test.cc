#include <catch2/catch.hpp>

#include "vigil/core/time.h"

using namespace vigil;

TEST_CASE("timestamps format as EVE does", "[core][time]") {
  CHECK(format_timestamp(0) == "1970-01-01T00:00:00.000000+0000");
  CHECK(format_timestamp(1772413200123456) == "2026-03-02T01:00:00.123456+0000");
  CHECK(format_timestamp(-1) == "1969-12-31T23:59:59.999999+0000");
  // Extreme values format without overflow (events may carry garbage times).
  CHECK_FALSE(format_timestamp(INT64_MIN).empty());
  CHECK_FALSE(format_timestamp(INT64_MAX).empty());
}

TEST_CASE("timestamps parse in the forms people type", "[core][time]") {
  CHECK(*parse_timestamp("2026-03-02T01:00:00.123456+0000") == 1772413200123456);
  CHECK(*parse_timestamp("2026-03-02T01:00:00Z") == 1772413200000000);
  CHECK(*parse_timestamp("2026-03-02T08:00:00+07:00") == 1772413200000000);
  CHECK(*parse_timestamp("2026-03-02") == 1772409600000000);
  CHECK(*parse_timestamp("2026-03-02 01:00") == 1772413200000000);
  CHECK(*parse_timestamp("@1772413200") == 1772413200000000);
  CHECK(*parse_timestamp("2026-03-02T01:00:00.5Z") == 1772413200500000);
}

TEST_CASE("EVE timestamps survive a round trip", "[core][time]") {
  for (Timestamp ts : {Timestamp{0}, Timestamp{1772413200123456}, Timestamp{-86400000001}, Timestamp{4102444799999999}}) {
    CHECK(*parse_timestamp(format_timestamp(ts)) == ts);
  }
}

TEST_CASE("bad times and durations are errors", "[core][time]") {
  for (const char* text : {"", "yesterday", "2026-13-01", "2026-03-02T25:00", "2026-03-02T01:00:00+7", "@", "@12x"}) {
    CHECK_FALSE(parse_timestamp(text));
  }
  for (const char* text : {"", "s", "10x", "-5s", "1.5h"}) CHECK_FALSE(parse_duration(text));
}

TEST_CASE("durations", "[core][time]") {
  CHECK(*parse_duration("90s") == seconds(90));
  CHECK(*parse_duration("90") == seconds(90));
  CHECK(*parse_duration("15m") == minutes(15));
  CHECK(*parse_duration("2h") == hours(2));
  CHECK(*parse_duration("3d") == hours(72));
  CHECK(*parse_duration("250ms") == 250000);
}
