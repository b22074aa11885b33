#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "rules_test_util.h"
#include "vigil/rules/rule_profile.h"

using namespace vigil;
using namespace vigil::rules;
using namespace vigil::rules::testing;

namespace {

// Rules in load order; the flowbit checker comes first in the file but is evaluated after its setter.
const char* const kRules =
    "alert tcp any any -> any any (msg:\"login after hello\"; flowbits:isset,hello; content:\"LOGIN\"; sid:4;)\n"
    "alert tcp any any -> any 80 (msg:\"GET then evil\"; content:\"GET\"; fast_pattern; content:\"evil\"; "
    "distance:0; sid:1;)\n"
    "alert tcp any any -> any 80 (msg:\"big\"; dsize:>1000; sid:2;)\n"
    "alert tcp any any -> any 80 (msg:\"x limited\"; content:\"x\"; threshold:type limit, track by_src, count 1, "
    "seconds 60; sid:3;)\n"
    "alert tcp any any -> any any (msg:\"hello\"; content:\"HELLO\"; flowbits:set,hello; flowbits:noalert; sid:5;)\n"
    "alert udp any any -> any 53 (msg:\"never a candidate here\"; content:\"GET\"; sid:6;)\n";

size_t entry_of(const RuleSet& set, uint32_t sid) {
  for (size_t i = 0; i < set.rules().size(); ++i) {
    if (set.rules()[i].sid == sid) return i;
  }
  FAIL("no rule with sid " << sid);
  return 0;
}

// Scans the payloads in order, one flow; returns the alerts per sid.
std::map<uint32_t, uint64_t> scan_all(Scanner& scanner, FlowState& flow, const std::vector<std::string>& payloads) {
  std::map<uint32_t, uint64_t> alerts;
  for (const std::string& payload : payloads) {
    Packet p = http_request(payload);
    p.flow_state = &flow;
    for (uint32_t sid : scan_sids(scanner, p)) ++alerts[sid];
  }
  return alerts;
}

const std::vector<std::string> kPayloads = {"GET /", "GET /evil", "GET /x", "GET /x", "GET /index", "HELLO",
                                            "LOGIN", "POST /"};

}  // namespace

TEST_CASE("rule profile: checks, matches equal to the alerts, time, by load order", "[rules][profile]") {
  auto set = compile_clean(kRules);
  Scanner scanner(set);
  RuleProfile profile;
  scanner.set_profile(&profile);
  REQUIRE(profile.size() == set->size());

  FlowState flow;
  const auto alerts = scan_all(scanner, flow, kPayloads);

  const RuleCounters& get_evil = profile[entry_of(*set, 1)];
  CHECK(get_evil.checks == 5);  // every packet whose payload holds its fast pattern "GET"
  CHECK(get_evil.matches == 1);
  CHECK(get_evil.nanoseconds > 0);
  const RuleCounters& big = profile[entry_of(*set, 2)];
  CHECK(big.checks == kPayloads.size());  // no fast pattern: a candidate on every packet to port 80
  CHECK(big.matches == 0);
  const RuleCounters& limited = profile[entry_of(*set, 3)];
  CHECK(limited.checks == 3);  // "GET /x" twice, "GET /index"
  CHECK(limited.matches == 1);  // the second match is held back by the threshold, as its alert is
  CHECK(profile[entry_of(*set, 5)].matches == 1);  // noalert: matched, no alert
  CHECK(profile[entry_of(*set, 4)].checks == 1);
  CHECK(profile[entry_of(*set, 4)].matches == 1);
  CHECK(profile[entry_of(*set, 6)].checks == 0);  // udp: turned away by its gate

  // The matches of alerting rules are exactly the alerts the scanner raised.
  for (size_t i = 0; i < set->rules().size(); ++i) {
    const RuleInfo& info = set->rules()[i];
    if (info.noalert) continue;
    const auto it = alerts.find(info.sid);
    CHECK(profile[i].matches == (it == alerts.end() ? 0 : it->second));
  }
  CHECK(alerts.at(1) == 1);
  CHECK(alerts.at(3) == 1);
  CHECK(alerts.at(4) == 1);
}

TEST_CASE("rule profile: off by default and after set_profile(nullptr)", "[rules][profile]") {
  auto set = compile_clean(kRules);
  Scanner scanner(set);
  CHECK(scanner.profile() == nullptr);
  RuleProfile profile;
  scanner.set_profile(&profile);
  FlowState flow;
  scan_all(scanner, flow, {"GET /evil"});
  CHECK(profile[entry_of(*set, 1)].checks == 1);

  scanner.set_profile(nullptr);
  FlowState other;
  const auto alerts = scan_all(scanner, other, {"GET /evil", "GET /evil"});
  CHECK(alerts.at(1) == 2);  // still matching
  CHECK(profile[entry_of(*set, 1)].checks == 1);
  CHECK(profile[entry_of(*set, 1)].matches == 1);
}

TEST_CASE("rule profile: workers' profiles merge by adding", "[rules][profile]") {
  auto set = compile_clean(kRules);
  Scanner a(set);
  Scanner b(set);
  RuleProfile pa;
  RuleProfile pb;
  a.set_profile(&pa);
  b.set_profile(&pb);
  FlowState fa;
  FlowState fb;
  scan_all(a, fa, kPayloads);
  scan_all(b, fb, {"GET /evil", "GET /evil/x"});

  RuleProfile total;
  total.merge(pa);
  total.merge(pb);
  REQUIRE(total.size() == set->size());
  const size_t get_evil = entry_of(*set, 1);
  CHECK(total[get_evil].checks == pa[get_evil].checks + pb[get_evil].checks);
  CHECK(total[get_evil].checks == 7);
  CHECK(total[get_evil].matches == 3);
  CHECK(total[get_evil].nanoseconds == pa[get_evil].nanoseconds + pb[get_evil].nanoseconds);
  const size_t big = entry_of(*set, 2);
  CHECK(total[big].checks == kPayloads.size() + 2);

  total.clear();
  CHECK(total.size() == set->size());
  CHECK(total[get_evil].checks == 0);
}

TEST_CASE("rule profile: stream candidates are counted", "[rules][profile][stream]") {
  auto set = compile_clean(
      "alert tcp any any -> any 80 (msg:\"split\"; flow:to_server,established; content:\"SPLITWORD\"; sid:7;)\n");
  Scanner scanner(set);
  RuleProfile profile;
  scanner.set_profile(&profile);
  StreamContext stream;
  std::vector<const RuleInfo*> alerts;
  Packet first = http_request("xx SPLIT");
  scanner.scan(first, alerts);
  scanner.scan_stream(first, stream, {}, "xx SPLIT", alerts);
  Packet second = http_request("WORD yy");
  scanner.scan(second, alerts);
  scanner.scan_stream(second, stream, "xx SPLIT", "WORD yy", alerts, 0);
  REQUIRE(alerts.size() == 1);  // the stream match across the two segments
  CHECK(profile[0].checks == 1);
  CHECK(profile[0].matches == 1);
}
