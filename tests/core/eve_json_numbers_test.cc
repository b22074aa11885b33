// Numbers in event JSON (files, and batches from remote sensors over the sensor link) must fit their
// field: a port of 8e20 or 70000, a negative flow id or a fractional severity is a parse error, never a
// silently truncated value (or undefined behaviour, as a float outside the range was).
#include <catch2/catch.hpp>
#include <string>

#include "vigil/core/eve_json.h"

namespace vigil {
namespace {

std::string alert_with(const std::string& field) {
  return R"({"event_type":"alert","timestamp":"2026-03-02T01:00:21.347028+0000","src_ip":"10.0.0.1",)"
         R"("dest_ip":"10.0.0.2","proto":"UDP",)" + field + R"(,"alert":{"signature_id":7,"severity":2}})";
}

TEST_CASE("event JSON numbers that do not fit their field are parse errors", "[core][eve]") {
  for (const char* field : {R"("dest_port":808088888888888888888)", R"("dest_port":70000)", R"("src_port":-1)",
                            R"("src_port":80.5)", R"("flow_id":-3)", R"("proto":300)"}) {
    INFO(field);
    auto parsed = event_from_json(alert_with(field));
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == ErrorCode::parse_error);
  }
  auto fits = event_from_json(alert_with(R"("dest_port":65535,"flow_id":18446744073709551615)"));
  REQUIRE(fits);
  CHECK(fits->dest_port == 65535);
  CHECK(fits->flow_id == 18446744073709551615ULL);
  CHECK(fits->alert->severity == 2);
}

}  // namespace
}  // namespace vigil
