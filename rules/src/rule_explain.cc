#include "vigil/rules/rule_explain.h"

#include <cstdio>
#include <functional>

#include "app_protocol.h"
#include "ip_options.h"
#include "packet_matcher.h"
#include "payload_matcher.h"
#include "rule.h"
#include "rule_set_impl.h"
#include "tx_value_check.h"

namespace vigil::rules {
namespace {

std::string describe(const NumberCheck& check) {
  const std::string a = std::to_string(check.a);
  switch (check.op) {
    case NumberCheck::Op::eq: return a;
    case NumberCheck::Op::ne: return "!" + a;
    case NumberCheck::Op::lt: return "<" + a;
    case NumberCheck::Op::gt: return ">" + a;
    case NumberCheck::Op::le: return "<=" + a;
    case NumberCheck::Op::ge: return ">=" + a;
    case NumberCheck::Op::between: return a + "<>" + std::to_string(check.b);
  }
  return a;
}

std::string flag_letters(uint8_t flags) {
  static constexpr struct {
    uint8_t bit;
    char letter;
  } kLetters[] = {{kTcpFin, 'F'}, {kTcpSyn, 'S'}, {kTcpRst, 'R'}, {kTcpPsh, 'P'},
                  {kTcpAck, 'A'}, {kTcpUrg, 'U'}, {kTcpCwr, 'C'}, {kTcpEce, 'E'}};
  std::string out;
  for (const auto& l : kLetters) {
    if ((flags & l.bit) != 0) out += l.letter;
  }
  return out.empty() ? "0" : out;
}

std::string describe(const FlagsCheck& check) {
  std::string out = flag_letters(check.flags);
  if (check.mode == FlagsCheck::Mode::all_plus) out += '+';
  if (check.mode == FlagsCheck::Mode::any) out += '*';
  if (check.mode == FlagsCheck::Mode::none) out = '!' + out;
  return out;
}

// Content bytes as a rule writes them: printable text, other bytes as |hex|.
std::string quoted_bytes(std::string_view bytes) {
  std::string out = "\"";
  bool in_hex = false;
  for (unsigned char c : bytes) {
    const bool plain = c >= 0x20 && c < 0x7f && c != '"' && c != '|' && c != ';' && c != '\\';
    if (plain == in_hex) {
      out += '|';
      in_hex = !plain;
    } else if (in_hex) {
      out += ' ';
    }
    if (plain) {
      out += static_cast<char>(c);
    } else {
      char hex[3];
      std::snprintf(hex, sizeof hex, "%02x", c);
      out += hex;
    }
  }
  if (in_hex) out += '|';
  return out + "\"";
}

std::string operand(const Operand& o) {
  return o.var >= 0 ? "byte_extract var #" + std::to_string(o.var + 1) : std::to_string(o.value);
}

std::string describe(const ContentStep& c) {
  std::string out = std::string("content ") + (c.negated ? "!" : "") + quoted_bytes(c.pattern);
  std::vector<std::string> mods;
  if (c.nocase) mods.emplace_back("nocase");
  if (c.startswith) mods.emplace_back("startswith");
  if (c.endswith) mods.emplace_back("endswith");
  if (c.offset) mods.push_back("offset " + operand(*c.offset));
  if (c.depth) mods.push_back("depth " + operand(*c.depth));
  if (c.distance) mods.push_back("distance " + operand(*c.distance));
  if (c.within) mods.push_back("within " + operand(*c.within));
  if (mods.empty()) return out;
  out += " (";
  for (size_t i = 0; i < mods.size(); ++i) out += (i == 0 ? "" : ", ") + mods[i];
  return out + ")";
}

// How the i-th payload option (0-based) failed; `pcre_number` counts the rule's pcres from 1.
std::string failure(const PayloadStep& step, int pcre_number) {
  if (const auto* c = std::get_if<ContentStep>(&step)) {
    return describe(*c) + (c->negated ? " present" : " not found");
  }
  if (const auto* p = std::get_if<PcreStep>(&step)) {
    return std::string(p->negated ? "negated " : "") + "pcre #" + std::to_string(pcre_number) +
           (p->relative ? " (relative)" : "") + (p->negated ? " matched" : " did not match");
  }
  if (const auto* t = std::get_if<ByteTestStep>(&step)) {
    return "byte_test on " + std::to_string(t->read.bytes) + " bytes at offset " + operand(t->offset) +
           (t->read.relative ? " (relative)" : "") + " not satisfied";
  }
  if (const auto* j = std::get_if<ByteJumpStep>(&step)) {
    return "byte_jump on " + std::to_string(j->read.bytes) + " bytes at offset " + operand(j->offset) +
           " could not read or jumped out of the payload";
  }
  if (const auto* e = std::get_if<ByteExtractStep>(&step)) {
    return "byte_extract of " + std::to_string(e->read.bytes) + " bytes at offset " + std::to_string(e->offset) +
           " could not read";
  }
  const auto& d = std::get<IsDataAtStep>(step);
  return std::string("isdataat:") + (d.negated ? "!" : "") + operand(d.position) + (d.relative ? ",relative" : "") +
         " not satisfied";
}

// Steps that only constrain where the previous option ended (the cursor): an isdataat relative to
// the cursor with a count chosen so it holds exactly when cursor <= end, or cursor >= end.
PayloadStep cursor_at_most(size_t size, size_t end) {
  IsDataAtStep s;
  s.relative = true;
  s.position.value = static_cast<int64_t>(size - end);
  return s;
}
PayloadStep cursor_at_least(size_t size, size_t end) {
  IsDataAtStep s;
  s.relative = true;
  s.negated = true;
  s.position.value = static_cast<int64_t>(size - end) + 1;
  return s;
}

}  // namespace

struct RuleExplainer::Impl {
  std::shared_ptr<const RuleSet> rules;
  const Rule* rule = nullptr;
  const RuleInfo* info = nullptr;
  std::vector<Rule> prefixes;  // prefixes[k]: the rule with payload options 0..k only
  PayloadMatcher matcher;

  std::string first_failed_packet_keyword(const Packet& packet) const;
  std::string first_failed_payload_option(std::string_view payload);
  std::vector<OptionMatch> match_offsets(std::string_view payload);
};

namespace {

std::string app_proto_label(AppProto proto) {
  return proto == AppProto::unknown ? "not recognised" : std::string(applayer::app_proto_name(proto));
}

// The ipopts values whose bits are in `bits`, or "none".
std::string ip_option_names(uint16_t bits) {
  std::string names;
  for (const char* name : {"rr", "eol", "nop", "ts", "sec", "esec", "lsrr", "ssrr", "satid"}) {
    const auto bit = ip_option_by_name(name);
    if (bit && (bits & *bit) != 0) names += (names.empty() ? "" : ",") + std::string(name);
  }
  return names.empty() ? "none" : names;
}

// Evaluates one packet keyword alone, through the Scanner's own check, on a rule that has only it.
bool holds(const Packet& packet, const std::function<void(Rule&)>& keep) {
  Rule only;
  keep(only);
  return packet_keywords_match(only, packet);
}

}  // namespace

std::string RuleExplainer::Impl::first_failed_packet_keyword(const Packet& packet) const {
  const Rule& r = *rule;
  if (r.flow.direction != 0 && !holds(packet, [&](Rule& o) { o.flow.direction = r.flow.direction; })) {
    return std::string("flow:") + (r.flow.direction > 0 ? "to_server" : "to_client") + " not satisfied (packet goes " +
           (packet.to_server ? "to the server" : "to the client") + ")";
  }
  if (r.app != AppProto::unknown && !app_proto_allows(r.app, !r.payload.empty(), packet)) {
    return std::string("the rule applies to ") + app_proto_label(r.app) + " flows; this flow's application protocol is " +
           (packet.flow_state == nullptr ? "unknown (no flow)" : app_proto_label(flow_app_proto(packet))) +
           " (recognised from a direction's first bytes, applied once the other side acknowledged them)";
  }
  if (r.app_layer_protocol && !holds(packet, [&](Rule& o) { o.app_layer_protocol = r.app_layer_protocol; })) {
    return std::string("app-layer-protocol:") + (r.app_layer_protocol->negated ? "!" : "") +
           app_proto_label(r.app_layer_protocol->proto) + " not satisfied (this flow's is " +
           (packet.flow_state == nullptr ? "unknown (no flow)" : app_proto_label(flow_app_proto(packet))) + ")";
  }
  if (r.flow.established != 0 && !holds(packet, [&](Rule& o) { o.flow.established = r.flow.established; })) {
    return std::string("flow:") + (r.flow.established > 0 ? "established" : "not_established") + " not satisfied";
  }
  if (r.dsize && !holds(packet, [&](Rule& o) { o.dsize = r.dsize; })) {
    return "dsize " + std::to_string(packet.payload.size()) + " not in " + describe(*r.dsize);
  }
  if (r.ttl && !holds(packet, [&](Rule& o) { o.ttl = r.ttl; })) {
    return "ttl " + std::to_string(packet.ttl) + " not in " + describe(*r.ttl);
  }
  if (r.flags && !holds(packet, [&](Rule& o) { o.flags = r.flags; })) {
    if (packet.proto != 6) return "flags:" + describe(*r.flags) + " on a packet that is not TCP";
    return "flags " + flag_letters(packet.tcp_flags) + " do not satisfy flags:" + describe(*r.flags);
  }
  const bool icmp = packet.proto == 1 || packet.proto == 58;
  if (r.itype && !holds(packet, [&](Rule& o) { o.itype = r.itype; })) {
    if (!icmp) return "itype:" + describe(*r.itype) + " on a packet that is not ICMP";
    return "itype " + std::to_string(packet.icmp_type) + " not in " + describe(*r.itype);
  }
  if (r.icode && !holds(packet, [&](Rule& o) { o.icode = r.icode; })) {
    if (!icmp) return "icode:" + describe(*r.icode) + " on a packet that is not ICMP";
    return "icode " + std::to_string(packet.icmp_code) + " not in " + describe(*r.icode);
  }
  if (r.icmp_id && !holds(packet, [&](Rule& o) { o.icmp_id = r.icmp_id; })) {
    return "icmp_id:" + std::to_string(*r.icmp_id) + " not satisfied" +
           (packet.has_icmp_echo_fields ? " (packet has " + std::to_string(packet.icmp_id) + ")" : "");
  }
  if (r.icmp_seq && !holds(packet, [&](Rule& o) { o.icmp_seq = r.icmp_seq; })) {
    return "icmp_seq:" + std::to_string(*r.icmp_seq) + " not satisfied" +
           (packet.has_icmp_echo_fields ? " (packet has " + std::to_string(packet.icmp_seq) + ")" : "");
  }
  if (r.ipopts != 0 && !holds(packet, [&](Rule& o) { o.ipopts = r.ipopts; })) {
    return "ipopts:" + (r.ipopts == kIpOptAny ? std::string("any") : ip_option_names(r.ipopts)) + " not in the IP header (options present: " +
           (packet.ip_version == 4 ? ip_option_names(ipv4_option_bits(packet.ip_header)) : "none, not IPv4") + ")";
  }
  for (const FlowbitOp& op : r.flowbit_checks) {
    if (!holds(packet, [&](Rule& o) { o.flowbit_checks = {op}; })) {
      return std::string("flowbits:") + (op.cmd == FlowbitOp::Cmd::isset ? "isset" : "isnotset") +
             " not satisfied on this flow";
    }
  }
  return {};
}

std::string RuleExplainer::Impl::first_failed_payload_option(std::string_view payload) {
  // Prefixes fail from the first option that cannot hold in any evaluation the matcher tries.
  int pcre_number = 0;
  for (size_t k = 0; k < prefixes.size(); ++k) {
    const PayloadStep& step = rule->payload[k];
    if (std::holds_alternative<PcreStep>(step)) ++pcre_number;
    if (!matcher.matches(prefixes[k], payload)) return failure(step, pcre_number);
  }
  // Every prefix holds but the whole rule not: only the matcher's step budget can do that.
  return "payload options gave up after " + std::to_string(PayloadMatcher::kStepBudget) + " steps";
}

std::vector<OptionMatch> RuleExplainer::Impl::match_offsets(std::string_view payload) {
  // The matcher reports only yes or no, so each content's end is found by asking it again with the
  // cursor after that option bounded (binary search for the smallest end a match allows), then
  // pinned there, so the next option is located in the same evaluation.
  std::vector<OptionMatch> out;
  const size_t size = payload.size();
  Rule probe = *rule;
  std::vector<PayloadStep> pinned;
  int pcre_number = 0;
  for (size_t i = 0; i < rule->payload.size(); ++i) {
    const PayloadStep& step = rule->payload[i];
    const auto* content = std::get_if<ContentStep>(&step);
    const auto* pcre = std::get_if<PcreStep>(&step);
    if (pcre != nullptr) ++pcre_number;
    const bool locates = (content != nullptr && !content->negated) || (pcre != nullptr && !pcre->negated);
    if (!locates) {
      pinned.push_back(step);
      continue;
    }
    auto matches_with_end_at_most = [&](size_t end) {
      probe.payload = pinned;
      probe.payload.push_back(step);
      probe.payload.push_back(cursor_at_most(size, end));
      probe.payload.insert(probe.payload.end(), rule->payload.begin() + static_cast<ptrdiff_t>(i) + 1,
                           rule->payload.end());
      return matcher.matches(probe, payload);
    };
    if (!matches_with_end_at_most(size)) break;  // the extra steps exhausted the step budget
    size_t lo = 0;
    size_t hi = size;
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (matches_with_end_at_most(mid)) hi = mid;
      else lo = mid + 1;
    }
    if (content != nullptr) {
      out.push_back({describe(*content), lo - std::min(lo, content->pattern.size()), lo});
    } else {
      out.push_back({"pcre #" + std::to_string(pcre_number), lo, lo});
    }
    pinned.push_back(step);
    pinned.push_back(cursor_at_most(size, lo));
    pinned.push_back(cursor_at_least(size, lo));
  }
  return out;
}

RuleExplainer::RuleExplainer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RuleExplainer::~RuleExplainer() = default;

Result<std::unique_ptr<RuleExplainer>> RuleExplainer::create(std::shared_ptr<const RuleSet> rules, uint32_t sid) {
  auto impl = std::make_unique<Impl>();
  const RuleSetImpl& set = rules->impl();
  for (uint32_t i = 0; i < set.size(); ++i) {
    if (set.info(set.rule(i)).sid == sid) {
      impl->rule = &set.rule(i);
      impl->info = &set.info(set.rule(i));
      break;
    }
  }
  if (impl->rule == nullptr) {
    return fail(ErrorCode::not_found, "no loaded rule has sid " + std::to_string(sid));
  }
  for (size_t k = 0; k < impl->rule->payload.size(); ++k) {
    Rule prefix = *impl->rule;
    prefix.payload.resize(k + 1);
    impl->prefixes.push_back(std::move(prefix));
  }
  impl->rules = std::move(rules);
  return std::unique_ptr<RuleExplainer>(new RuleExplainer(std::move(impl)));
}

const RuleInfo& RuleExplainer::info() const { return *impl_->info; }

bool RuleExplainer::stream_only() const {
  return impl_->rule->stream == StreamMode::stream_only && !impl_->rule->payload.empty();
}

RuleExplanation RuleExplainer::explain(const Packet& packet) {
  RuleExplanation out;
  const Rule& rule = *impl_->rule;
  out.header_admits = packet.ip_version != 0 && header_matches(rule, packet);
  if (!out.header_admits) {
    out.failed = "header (protocol, addresses, ports) does not admit the packet";
    return out;
  }
  if (rule.inspects_transactions()) {
    std::string names;
    for (const BufferChain& chain : rule.buffers) {
      names += (names.empty() ? "" : ", ") + std::string(applayer::buffer_name(chain.id));
    }
    for (const TxValueCheck& check : rule.tx_values) {
      names += (names.empty() ? "" : ", ") + std::string(tx_value_name(check));
    }
    out.failed = "the rule inspects app-layer transactions (" + names +
                 "): it is matched on the flow's transactions, never on a packet";
    return out;
  }
  if (!packet_keywords_match(rule, packet)) {
    out.failed = impl_->first_failed_packet_keyword(packet);
    // A keyword added to packet_keywords_match after this explanation was written.
    if (out.failed.empty()) out.failed = "a packet keyword (not flow, dsize, ttl, flags, icmp or flowbits) not satisfied";
    return out;
  }
  if (!rule.payload.empty() && !impl_->matcher.matches(rule, packet.payload)) {
    out.failed = impl_->first_failed_payload_option(packet.payload);
    return out;
  }
  out.matched = true;
  out.matches = impl_->match_offsets(packet.payload);
  return out;
}

}  // namespace vigil::rules
