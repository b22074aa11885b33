// Helpers for the rules tests: compile rule text, build packets by hand, scan and list sids.
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "vigil/rules/flow_state.h"
#include "vigil/rules/packet.h"
#include "vigil/rules/rule_set.h"
#include "vigil/rules/scanner.h"

namespace vigil::rules::testing {

inline std::shared_ptr<const RuleSet> compile(const std::string& text, RuleLoadReport* report_out = nullptr) {
  RuleLoadReport report;
  auto set = compile_rule_text(text, "test.rules", RuleVariables::suricata_defaults(), report);
  REQUIRE(set.has_value());
  if (report_out != nullptr) *report_out = report;
  return *set;
}

// Compiles rules that must all load.
inline std::shared_ptr<const RuleSet> compile_clean(const std::string& text) {
  RuleLoadReport report;
  auto set = compile(text, &report);
  for (const auto& issue : report.issues) FAIL_CHECK(issue.file << ":" << issue.line << ": " << issue.reason);
  REQUIRE(report.issues.empty());
  return set;
}

inline Packet tcp_packet(const std::string& src, uint16_t sport, const std::string& dst, uint16_t dport,
                         std::string_view payload) {
  Packet p;
  p.timestamp = 1'700'000'000'000'000;
  p.ip_version = 4;
  p.src = *IpAddress::parse(src);
  p.dst = *IpAddress::parse(dst);
  p.proto = 6;
  p.ttl = 64;
  p.src_port = sport;
  p.dst_port = dport;
  p.tcp_flags = kTcpAck | kTcpPsh;
  p.payload = payload;
  p.to_server = true;
  p.established = true;
  return p;
}

// A client (192.168.1.10, inside HOME_NET) talking to an outside web server by default.
inline Packet http_request(std::string_view payload) {
  return tcp_packet("192.168.1.10", 40000, "203.0.113.5", 80, payload);
}

inline std::vector<uint32_t> scan_sids(Scanner& scanner, const Packet& packet) {
  std::vector<const RuleInfo*> alerts;
  scanner.scan(packet, alerts);
  std::vector<uint32_t> sids;
  for (const RuleInfo* info : alerts) sids.push_back(info->sid);
  return sids;
}

// Does this single rule fire on this payload (HTTP-like TCP packet to port 80)?
inline bool fires(const std::string& rule, std::string_view payload) {
  Scanner scanner(compile_clean(rule));
  return !scan_sids(scanner, http_request(payload)).empty();
}

}  // namespace vigil::rules::testing
