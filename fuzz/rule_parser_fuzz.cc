// libFuzzer target for the rule language: lexer, header and option parsers, variables, the loader
// (comments, continuations, duplicate sids) and the rule set build (Hyperscan literal databases,
// PCRE2 compilation). Whatever the text, a rule is loaded or reported as a RuleIssue: never a
// crash, a hang or a sanitizer report. The compiled set then scans one packet whose payload is the
// input itself, so the options the parser accepted are also evaluated, and a TransactionMatcher
// matches one HTTP, DNS, TLS and SSH transaction whose every buffer is the input (buffer chains,
// transforms, bsize/urilen, the per-buffer databases).
//
// Input: rule text, one or more lines, as in a .rules file.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "vigil/rules/rule_set.h"
#include "vigil/rules/scanner.h"
#include "vigil/rules/transaction_matcher.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const vigil::rules::RuleVariables variables = vigil::rules::RuleVariables::suricata_defaults();
  const std::string text(reinterpret_cast<const char*>(data), size);
  vigil::rules::RuleLoadReport report;
  auto rules = vigil::rules::compile_rule_text(text, "fuzz.rules", variables, report);
  if (!rules) return 0;  // a rule set that cannot compile is a reported error, not a bug

  vigil::rules::Packet packet;
  packet.ip_version = 4;
  packet.src = vigil::IpAddress::v4(0xc0a80105);  // 192.168.1.5 (HOME_NET) -> 8.8.8.8
  packet.dst = vigil::IpAddress::v4(0x08080808);
  packet.proto = 6;
  packet.src_port = 40000;
  packet.dst_port = 80;
  packet.tcp_flags = vigil::rules::kTcpAck | vigil::rules::kTcpPsh;
  packet.established = true;
  packet.payload = std::string_view(text);
  vigil::rules::Scanner scanner(*rules);
  std::vector<const vigil::rules::RuleInfo*> alerts;
  scanner.scan(packet, alerts);

  using vigil::applayer::BufferId;
  std::vector<vigil::applayer::BufferEntry> buffers;
  for (size_t id = 0; id < vigil::applayer::kBufferIdCount; ++id) {
    buffers.push_back({static_cast<BufferId>(id), std::string_view(text)});
  }
  vigil::rules::TransactionMatcher matcher(*rules);
  for (auto proto : {vigil::applayer::AppProto::http, vigil::applayer::AppProto::dns, vigil::applayer::AppProto::tls,
                     vigil::applayer::AppProto::ssh}) {
    for (auto direction : {vigil::applayer::Direction::to_server, vigil::applayer::Direction::to_client}) {
      vigil::applayer::Transaction tx;
      tx.proto = proto;
      tx.direction = direction;
      tx.buffers = buffers;
      packet.to_server = direction == vigil::applayer::Direction::to_server;
      matcher.match(packet, tx, alerts);
    }
  }
  return 0;
}
