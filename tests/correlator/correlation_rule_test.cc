#include "vigil/correlator/correlation_rule.h"

#include <catch2/catch.hpp>

#include "correlator/test_support.h"
#include "vigil/correlator/rule_loader.h"

using namespace vigil;
using namespace vigil::correlator;
using vigil::test::alert_event;
using vigil::test::flow_event;

namespace {

// A single rule whose only interesting part is `match`.
CorrelationRule rule_with_match(const std::string& match_yaml) {
  std::string text = "id: r1\ntitle: t\ntype: single\nseverity: low\nmatch:\n" + match_yaml;
  CorrelationLoadReport report;
  auto rules = parse_correlation_rules(text, "inline.yml", report);
  INFO((report.errors.empty() ? std::string() : to_string(report.errors.front())));
  REQUIRE(report.errors.empty());
  REQUIRE(rules.size() == 1);
  return rules.front();
}

}  // namespace

TEST_CASE("scalar filters: text equality ignores case, numbers compare as numbers", "[correlator][filter]") {
  auto rule = rule_with_match("  event_type: FLOW\n  dest_port: 22\n");
  CHECK(rule.matches(flow_event(0, "10.0.0.1", "10.0.0.2", 22)));
  CHECK_FALSE(rule.matches(flow_event(0, "10.0.0.1", "10.0.0.2", 23)));
  CHECK_FALSE(rule.matches(alert_event(0, "10.0.0.1", "10.0.0.2", 22, 1, 1)));

  auto decimal = rule_with_match("  dest_port: 22.0\n");
  CHECK(decimal.matches(flow_event(0, "10.0.0.1", "10.0.0.2", 22)));
}

TEST_CASE("lists mean any of", "[correlator][filter]") {
  auto rule = rule_with_match("  dest_port: [22, 3389, 5900]\n");
  CHECK(rule.matches(flow_event(0, "10.0.0.1", "10.0.0.2", 3389)));
  CHECK(rule.matches(flow_event(0, "10.0.0.1", "10.0.0.2", 5900)));
  CHECK_FALSE(rule.matches(flow_event(0, "10.0.0.1", "10.0.0.2", 80)));

  auto in = rule_with_match("  dest_port: {in: [22, 23]}\n");
  CHECK(in.matches(flow_event(0, "10.0.0.1", "10.0.0.2", 23)));
  CHECK_FALSE(in.matches(flow_event(0, "10.0.0.1", "10.0.0.2", 24)));
}

TEST_CASE("numeric operators gt gte lt lte eq ne", "[correlator][filter]") {
  auto event_with_bytes = [](uint64_t bytes) {
    auto e = flow_event(0, "10.0.0.1", "10.0.0.2", 443);
    e.flow->bytes_toserver = bytes;
    return e;
  };
  auto gt = rule_with_match("  flow.bytes_toserver: {gt: 1000}\n");
  CHECK(gt.matches(event_with_bytes(1001)));
  CHECK_FALSE(gt.matches(event_with_bytes(1000)));

  auto gte = rule_with_match("  flow.bytes_toserver: {gte: 1000}\n");
  CHECK(gte.matches(event_with_bytes(1000)));
  CHECK_FALSE(gte.matches(event_with_bytes(999)));

  auto lt = rule_with_match("  flow.bytes_toserver: {lt: 10}\n");
  CHECK(lt.matches(event_with_bytes(9)));
  CHECK_FALSE(lt.matches(event_with_bytes(10)));

  auto lte = rule_with_match("  flow.bytes_toserver: {lte: 10}\n");
  CHECK(lte.matches(event_with_bytes(10)));
  CHECK_FALSE(lte.matches(event_with_bytes(11)));

  auto eq = rule_with_match("  flow.bytes_toserver: {eq: 7}\n");
  CHECK(eq.matches(event_with_bytes(7)));
  CHECK_FALSE(eq.matches(event_with_bytes(8)));

  auto ne = rule_with_match("  flow.bytes_toserver: {ne: 7}\n");
  CHECK(ne.matches(event_with_bytes(8)));
  CHECK_FALSE(ne.matches(event_with_bytes(7)));

  auto range = rule_with_match("  flow.bytes_toserver: {gte: 100, lt: 200}\n");
  CHECK(range.matches(event_with_bytes(100)));
  CHECK(range.matches(event_with_bytes(199)));
  CHECK_FALSE(range.matches(event_with_bytes(200)));
  CHECK_FALSE(range.matches(event_with_bytes(99)));
}

TEST_CASE("dotted alert fields", "[correlator][filter]") {
  auto rule = rule_with_match("  alert.severity: {lte: 2}\n  alert.signature_id: [2001219, 2002910]\n");
  CHECK(rule.matches(alert_event(0, "10.0.0.1", "10.0.0.2", 22, 2001219, 1)));
  CHECK(rule.matches(alert_event(0, "10.0.0.1", "10.0.0.2", 22, 2002910, 2)));
  CHECK_FALSE(rule.matches(alert_event(0, "10.0.0.1", "10.0.0.2", 22, 2002910, 3)));
  CHECK_FALSE(rule.matches(alert_event(0, "10.0.0.1", "10.0.0.2", 22, 1, 1)));
  // A flow event has no alert fields: the filter fails instead of matching defaults.
  CHECK_FALSE(rule.matches(flow_event(0, "10.0.0.1", "10.0.0.2", 22)));
}

TEST_CASE("CIDR: a scalar block contains IP values, the cidr operator takes one or a list", "[correlator][filter]") {
  auto scalar = rule_with_match("  src_ip: 10.20.0.0/16\n");
  CHECK(scalar.matches(flow_event(0, "10.20.3.4", "8.8.8.8", 53)));
  CHECK_FALSE(scalar.matches(flow_event(0, "10.21.3.4", "8.8.8.8", 53)));

  auto host = rule_with_match("  dest_ip: 192.168.1.10\n");
  CHECK(host.matches(flow_event(0, "10.0.0.1", "192.168.1.10", 80)));
  CHECK_FALSE(host.matches(flow_event(0, "10.0.0.1", "192.168.1.11", 80)));

  auto list = rule_with_match("  dest_ip: {cidr: [172.16.0.0/12, '2001:db8::/32']}\n");
  CHECK(list.matches(flow_event(0, "10.0.0.1", "172.31.255.1", 80)));
  CHECK(list.matches(flow_event(0, "10.0.0.1", "2001:db8::5", 80)));
  CHECK_FALSE(list.matches(flow_event(0, "10.0.0.1", "172.32.0.1", 80)));

  auto one = rule_with_match("  src_ip: {cidr: 10.0.0.0/8}\n");
  CHECK(one.matches(flow_event(0, "10.9.9.9", "8.8.8.8", 80)));
  CHECK_FALSE(one.matches(flow_event(0, "11.0.0.1", "8.8.8.8", 80)));
}

TEST_CASE("negation, also of lists and CIDRs", "[correlator][filter]") {
  auto not_internal = rule_with_match("  src_ip: {not: {cidr: [10.0.0.0/8, 192.168.0.0/16]}}\n");
  CHECK(not_internal.matches(flow_event(0, "203.0.113.7", "10.0.0.1", 22)));
  CHECK_FALSE(not_internal.matches(flow_event(0, "10.1.1.1", "10.0.0.1", 22)));
  CHECK_FALSE(not_internal.matches(flow_event(0, "192.168.5.5", "10.0.0.1", 22)));

  auto not_list = rule_with_match("  dest_port: {not: [80, 443]}\n");
  CHECK(not_list.matches(flow_event(0, "1.2.3.4", "10.0.0.1", 22)));
  CHECK_FALSE(not_list.matches(flow_event(0, "1.2.3.4", "10.0.0.1", 443)));

  // A missing field fails positive filters and passes their negation.
  auto not_sid = rule_with_match("  alert.signature_id: {not: 2001219}\n");
  CHECK(not_sid.matches(flow_event(0, "1.2.3.4", "10.0.0.1", 22)));
  CHECK_FALSE(not_sid.matches(alert_event(0, "1.2.3.4", "10.0.0.1", 22, 2001219, 1)));
  CHECK(not_sid.matches(alert_event(0, "1.2.3.4", "10.0.0.1", 22, 5, 1)));

  auto combined = rule_with_match("  dest_port: {gte: 1, lte: 1024, not: {in: [80, 443]}}\n");
  CHECK(combined.matches(flow_event(0, "1.2.3.4", "10.0.0.1", 22)));
  CHECK_FALSE(combined.matches(flow_event(0, "1.2.3.4", "10.0.0.1", 443)));
  CHECK_FALSE(combined.matches(flow_event(0, "1.2.3.4", "10.0.0.1", 8080)));
}

TEST_CASE("every match entry must accept", "[correlator][filter]") {
  auto rule = rule_with_match("  event_type: flow\n  src_ip: 10.0.0.0/8\n  dest_port: 22\n  proto: tcp\n");
  CHECK(rule.matches(flow_event(0, "10.0.0.1", "10.0.0.2", 22)));
  CHECK_FALSE(rule.matches(flow_event(0, "11.0.0.1", "10.0.0.2", 22)));
  auto udp = flow_event(0, "10.0.0.1", "10.0.0.2", 22);
  udp.proto = kProtoUdp;
  CHECK_FALSE(rule.matches(udp));
}

TEST_CASE("count conditions", "[correlator][filter]") {
  CountCondition gte;
  gte.gte = 20;
  CHECK_FALSE(gte.accepts(19));
  CHECK(gte.accepts(20));
  CHECK(gte.threshold() == 20);
  CountCondition gt;
  gt.gt = 20;
  CHECK_FALSE(gt.accepts(20));
  CHECK(gt.accepts(21));
  CHECK(gt.threshold() == 21);
  CountCondition eq;
  eq.eq = 5;
  CHECK(eq.accepts(5));
  CHECK_FALSE(eq.accepts(6));
  CountCondition bounded;
  bounded.gte = 3;
  bounded.lte = 5;
  CHECK(bounded.accepts(4));
  CHECK_FALSE(bounded.accepts(6));
  CHECK(bounded.to_string() == "gte 3 and lte 5");
  CountCondition upper_only;
  upper_only.lt = 3;
  CHECK_FALSE(upper_only.accepts(1));  // needs a lower bound
}
