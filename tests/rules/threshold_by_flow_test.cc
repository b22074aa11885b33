// `track by_flow` thresholds and the `backoff` type (Suricata 7/8): counters per flow, kept in the
// flow's FlowState, so each flow counts on its own and a new flow starts from zero.
#include "rules_test_util.h"
#include "vigil/rules/threshold_filter.h"

using namespace vigil::rules;
using namespace vigil::rules::testing;

namespace {

// Which of `count` matches of one rule on one flow raised an alert (1-based match numbers).
std::vector<int> alerting_matches(Scanner& scanner, FlowState& flow, int count, int64_t step_seconds = 1) {
  std::vector<int> out;
  for (int i = 1; i <= count; ++i) {
    Packet p = http_request("x");
    p.flow_state = &flow;
    p.timestamp = vigil::seconds(1'700'000'000 + i * step_seconds);
    if (!scan_sids(scanner, p).empty()) out.push_back(i);
  }
  return out;
}

}  // namespace

TEST_CASE("threshold and detection_filter track by_flow count each flow apart", "[rules][scanner][threshold]") {
  auto limit = compile_clean(
      "alert tcp any any -> any any (content:\"x\"; threshold:type limit, track by_flow, count 2, seconds 3600; sid:1;)");
  Scanner limit_scanner(limit);
  FlowState a, b;
  CHECK(alerting_matches(limit_scanner, a, 5) == std::vector<int>{1, 2});
  CHECK(alerting_matches(limit_scanner, b, 3) == std::vector<int>{1, 2});  // another flow, its own count
  CHECK(alerting_matches(limit_scanner, a, 2).empty());                    // the first flow stays limited

  auto df = compile_clean(
      "alert tcp any any -> any any (content:\"x\"; detection_filter:track by_flow, count 2, seconds 3600; sid:2;)");
  Scanner df_scanner(df);
  FlowState c;
  CHECK(alerting_matches(df_scanner, c, 5) == std::vector<int>{3, 4, 5});

  auto both = compile_clean(
      "alert tcp any any -> any any (content:\"x\"; threshold:type both, track by_flow, count 3, seconds 10; sid:3;)");
  Scanner both_scanner(both);
  FlowState d;
  // Matches 4 s apart: the window of match 1 (10 s) holds matches 1-3, then a new window starts at 4.
  CHECK(alerting_matches(both_scanner, d, 7, 4) == std::vector<int>{3, 6});
}

TEST_CASE("threshold type backoff alerts at count, count*m, count*m^2 ... per flow", "[rules][scanner][threshold]") {
  auto set = compile_clean(
      "alert tcp any any -> any any (content:\"x\"; threshold:type backoff, track by_flow, count 1, multiplier 2; sid:1;)\n"
      "alert tcp any any -> any any (content:\"y\"; threshold:type backoff, track by_flow, count 5, multiplier 5; sid:2;)\n");
  Scanner scanner(set);
  FlowState a;
  CHECK(alerting_matches(scanner, a, 40) == std::vector<int>{1, 2, 4, 8, 16, 32});
  FlowState b;
  std::vector<int> fives;
  for (int i = 1; i <= 130; ++i) {
    Packet p = http_request("y");
    p.flow_state = &b;
    p.timestamp = vigil::seconds(1'700'000'000 + i * 100000);  // no window: time does not matter
    if (!scan_sids(scanner, p).empty()) fives.push_back(i);
  }
  CHECK(fives == std::vector<int>{5, 25, 125});
}

TEST_CASE("threshold options that do not fit together are reported", "[rules][parser][threshold]") {
  auto reason = [](const std::string& threshold) {
    RuleLoadReport report;
    compile("alert tcp any any -> any any (content:\"x\"; threshold:" + threshold + "; sid:9;)", &report);
    REQUIRE(report.issues.size() == 1);
    return report.issues[0].reason;
  };
  CHECK_THAT(reason("type backoff, track by_src, count 1, multiplier 2"), Catch::Contains("only track by_flow"));
  CHECK_THAT(reason("type backoff, track by_flow, count 1, seconds 60"), Catch::Contains("multiplier"));
  CHECK_THAT(reason("type backoff, track by_flow, count 1, multiplier 1"), Catch::Contains("bad multiplier"));
  CHECK_THAT(reason("type limit, track by_flow, count 1, seconds 60, multiplier 2"), Catch::Contains("needs"));
}

TEST_CASE("a scanner that defers thresholds still applies the by_flow ones", "[rules][scanner][threshold]") {
  auto set = compile_clean(
      "alert tcp any any -> any any (content:\"x\"; threshold:type limit, track by_flow, count 1, seconds 3600; sid:1;)\n"
      "alert tcp any any -> any any (content:\"x\"; threshold:type limit, track by_src, count 1, seconds 3600; sid:2;)\n");
  Scanner scanner(set);
  scanner.set_defer_thresholds(true);  // as WorkerPool does: by_src is the ThresholdFilter's job
  FlowState flow;
  std::vector<std::vector<uint32_t>> seen;
  for (int i = 0; i < 3; ++i) {
    Packet p = http_request("x");
    p.flow_state = &flow;
    seen.push_back(scan_sids(scanner, p));
  }
  CHECK(seen == std::vector<std::vector<uint32_t>>{{1, 2}, {2}, {2}});

  ThresholdFilter filter(set);
  const auto src = *vigil::IpAddress::parse("192.168.1.10");
  const auto dst = *vigil::IpAddress::parse("203.0.113.5");
  CHECK(filter.allow(1, 2, src, dst, vigil::seconds(1)));
  CHECK_FALSE(filter.allow(1, 2, src, dst, vigil::seconds(2)));
  CHECK(filter.allow(1, 1, src, dst, vigil::seconds(3)));  // by_flow: not the filter's to count
  CHECK(filter.allow(1, 1, src, dst, vigil::seconds(4)));
}
