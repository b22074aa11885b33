#include "rule_parser.h"

#include <algorithm>

#include "app_protocol.h"
#include "classification.h"
#include "ip_options.h"
#include "payload_option_parser.h"
#include "rule_lexer.h"
#include "text_util.h"
#include "tx_value_check.h"

namespace vigil::rules {
namespace {

struct ProtoName {
  std::string_view name;
  uint8_t mask;
  bool app_layer;
};

// Application protocols run on their usual transports until app-layer parsers exist.
constexpr ProtoName kProtos[] = {
    {"ip", kMaskAnyIp, false},       {"pkthdr", kMaskAnyIp, false},   {"tcp", kMaskTcp, false},
    {"tcp-pkt", kMaskTcp, false},    {"tcp-stream", kMaskTcp, false}, {"udp", kMaskUdp, false},
    {"icmp", kMaskIcmp, false},      {"icmpv4", kMaskIcmp, false},    {"icmpv6", kMaskIcmp, false},
    {"http", kMaskTcp, true},        {"http1", kMaskTcp, true},       {"http2", kMaskTcp, true},
    {"tls", kMaskTcp, true},         {"ssl", kMaskTcp, true},         {"ssh", kMaskTcp, true},
    {"ftp", kMaskTcp, true},         {"ftp-data", kMaskTcp, true},    {"smtp", kMaskTcp, true},
    {"imap", kMaskTcp, true},        {"pop3", kMaskTcp, true},        {"smb", kMaskTcp, true},
    {"rdp", kMaskTcp, true},         {"rfb", kMaskTcp, true},         {"mqtt", kMaskTcp, true},
    {"modbus", kMaskTcp, true},      {"dnp3", kMaskTcp, true},        {"telnet", kMaskTcp, true},
    {"irc", kMaskTcp, true},         {"dns", kMaskTcp | kMaskUdp, true},
    {"dcerpc", kMaskTcp | kMaskUdp, true}, {"nfs", kMaskTcp | kMaskUdp, true},
    {"krb5", kMaskTcp | kMaskUdp, true},   {"sip", kMaskTcp | kMaskUdp, true},
    {"enip", kMaskTcp | kMaskUdp, true},   {"snmp", kMaskUdp, true},
    {"dhcp", kMaskUdp, true},        {"ntp", kMaskUdp, true},         {"tftp", kMaskUdp, true},
    {"ikev2", kMaskUdp, true},       {"ike", kMaskUdp, true},
};

constexpr std::string_view kActions[] = {"alert", "pass", "drop", "reject", "rejectsrc", "rejectdst",
                                         "rejectboth", "log"};

// Keywords that are accepted and have no effect on matching here.
constexpr std::string_view kIgnored[] = {
    "metadata", "reference",
    "tag",       // post-match logging of following packets
    "prefilter",  // picks the rule's prefilter keyword in Suricata: a speed hint that never changes a match
};

}  // namespace

Result<NumberCheck> parse_number_check(std::string_view text) {
  text = trim(text);
  NumberCheck check;
  using Op = NumberCheck::Op;
  auto number = [&](std::string_view t) -> Result<int64_t> {
    auto v = parse_int(t);
    if (!v) return fail(ErrorCode::parse_error, "'" + std::string(text) + "' is not a number or comparison");
    return *v;
  };
  for (std::string_view sep : {"<>", "-"}) {
    const size_t at = text.find(sep, 1);
    if (at == std::string_view::npos) continue;
    auto a = number(text.substr(0, at));
    auto b = number(text.substr(at + sep.size()));
    if (!a || !b) return fail(ErrorCode::parse_error, "bad range '" + std::string(text) + "'");
    if (*a >= *b) return fail(ErrorCode::parse_error, "range '" + std::string(text) + "' is empty");
    check.op = Op::between;
    check.a = *a;
    check.b = *b;
    return check;
  }
  std::string_view rest = text;
  if (rest.starts_with("<=")) check.op = Op::le, rest.remove_prefix(2);
  else if (rest.starts_with(">=")) check.op = Op::ge, rest.remove_prefix(2);
  else if (rest.starts_with("<")) check.op = Op::lt, rest.remove_prefix(1);
  else if (rest.starts_with(">")) check.op = Op::gt, rest.remove_prefix(1);
  else if (rest.starts_with("!")) check.op = Op::ne, rest.remove_prefix(1);
  else if (rest.starts_with("=")) rest.remove_prefix(1);
  auto a = number(rest);
  if (!a) return fail(a.error());
  check.a = *a;
  return check;
}

namespace {

Result<FlagsCheck> parse_tcp_flags(std::string_view value) {
  FlagsCheck check;
  auto parts = split_trim(value, ',');
  if (parts.size() > 2 || parts[0].empty()) return fail(ErrorCode::parse_error, "bad flags '" + std::string(value) + "'");
  auto bits = [](char c) -> int {
    switch (c) {
      case 'F': case 'f': return 0x01;
      case 'S': case 's': return 0x02;
      case 'R': case 'r': return 0x04;
      case 'P': case 'p': return 0x08;
      case 'A': case 'a': return 0x10;
      case 'U': case 'u': return 0x20;
      case 'E': case 'e': case '2': return 0x40;
      case 'C': case 'c': case '1': return 0x80;
      case '0': return 0;
      default: return -1;
    }
  };
  for (char c : parts[0]) {
    if (c == '+') check.mode = FlagsCheck::Mode::all_plus;
    else if (c == '*') check.mode = FlagsCheck::Mode::any;
    else if (c == '!') check.mode = FlagsCheck::Mode::none;
    else if (bits(c) < 0) return fail(ErrorCode::parse_error, std::string("unknown TCP flag '") + c + "'");
    else check.flags = static_cast<uint8_t>(check.flags | bits(c));
  }
  if (parts.size() == 2) {
    for (char c : parts[1]) {
      if (bits(c) < 0) return fail(ErrorCode::parse_error, std::string("unknown TCP flag '") + c + "' in mask");
      check.ignore = static_cast<uint8_t>(check.ignore | bits(c));
    }
  }
  return check;
}

Result<uint32_t> parse_u32(std::string_view keyword, std::string_view value) {
  auto v = parse_int(value);
  if (!v || *v < 0 || *v > 0xffffffffLL) {
    return fail(ErrorCode::parse_error, "bad " + std::string(keyword) + " '" + std::string(value) + "'");
  }
  return static_cast<uint32_t>(*v);
}

}  // namespace

uint32_t RuleParser::flowbit_id(std::string_view name) {
  auto [it, inserted] = flowbits_.try_emplace(std::string(name), static_cast<uint32_t>(flowbits_.size()));
  return it->second;
}

Result<void> RuleParser::parse_header(const RuleText& text, Rule& rule) {
  if (std::find(std::begin(kActions), std::end(kActions), text.action) == std::end(kActions)) {
    return fail(ErrorCode::parse_error, "unknown action '" + std::string(text.action) + "'");
  }
  rule.info.action = std::string(text.action.starts_with("reject") ? "reject" : text.action);
  const std::string proto = to_lower(text.proto);
  auto p = std::find_if(std::begin(kProtos), std::end(kProtos), [&](const ProtoName& n) { return n.name == proto; });
  if (p == std::end(kProtos)) return fail(ErrorCode::parse_error, "unknown protocol '" + proto + "'");
  rule.protos = p->mask;
  if (proto == "tcp-pkt") rule.stream = StreamMode::packet_only;
  if (proto == "tcp-stream") rule.stream = StreamMode::stream_only;
  if (p->app_layer) {
    rule.app_proto = proto;
    rule.app = recognisable_app_proto(proto);
  }
  if (text.direction == "<>") {
    rule.bidirectional = true;
  } else if (text.direction != "->") {
    return fail(ErrorCode::parse_error, "direction must be '->' or '<>', not '" + std::string(text.direction) + "'");
  }
  auto src = header_.parse_addresses(text.src);
  if (!src) return fail(src.error().with_context("source address"));
  auto dst = header_.parse_addresses(text.dst);
  if (!dst) return fail(dst.error().with_context("destination address"));
  auto sp = header_.parse_ports(text.src_port);
  if (!sp) return fail(sp.error().with_context("source port"));
  auto dp = header_.parse_ports(text.dst_port);
  if (!dp) return fail(dp.error().with_context("destination port"));
  rule.src = std::move(*src);
  rule.dst = std::move(*dst);
  rule.negated_address = text.src.find('!') != std::string_view::npos || text.dst.find('!') != std::string_view::npos;
  rule.src_ports = std::move(*sp);
  rule.dst_ports = std::move(*dp);
  return ok();
}

Result<void> RuleParser::parse_flow(std::string_view value, Rule& rule) {
  for (std::string_view word : split_trim(value, ',')) {
    if (word == "to_server" || word == "from_client") rule.flow.direction = 1;
    else if (word == "to_client" || word == "from_server") rule.flow.direction = -1;
    else if (word == "established") rule.flow.established = 1;
    else if (word == "not_established") rule.flow.established = -1;
    else if (word == "only_stream") rule.stream = StreamMode::stream_only;
    else if (word == "no_stream") rule.stream = StreamMode::packet_only;
    else if (word == "stateless") continue;
    else return fail(ErrorCode::parse_error, "unknown flow option '" + std::string(word) + "'");
  }
  return ok();
}

Result<void> RuleParser::parse_flowbits(std::string_view value, Rule& rule) {
  auto parts = split_trim(value, ',');
  const std::string_view cmd = parts[0];
  if (cmd == "noalert") {
    if (parts.size() != 1) return fail(ErrorCode::parse_error, "flowbits:noalert takes no name");
    rule.info.noalert = true;
    return ok();
  }
  if (parts.size() != 2 || parts[1].empty()) {
    return fail(ErrorCode::parse_error, "flowbits '" + std::string(value) + "' needs a command and a name");
  }
  FlowbitOp op;
  using Cmd = FlowbitOp::Cmd;
  if (cmd == "set") op.cmd = Cmd::set;
  else if (cmd == "unset") op.cmd = Cmd::unset;
  else if (cmd == "toggle") op.cmd = Cmd::toggle;
  else if (cmd == "isset") op.cmd = Cmd::isset;
  else if (cmd == "isnotset") op.cmd = Cmd::isnotset;
  else return fail(ErrorCode::parse_error, "unknown flowbits command '" + std::string(cmd) + "'");
  const std::string_view names = parts[1];
  op.any_of = names.find('|') != std::string_view::npos;
  for (std::string_view name : split_trim(names, op.any_of ? '|' : '&')) {
    if (name.empty()) return fail(ErrorCode::parse_error, "empty flowbit name in '" + std::string(value) + "'");
    op.bits.push_back(flowbit_id(name));
  }
  const bool check = op.cmd == Cmd::isset || op.cmd == Cmd::isnotset;
  (check ? rule.flowbit_checks : rule.flowbit_actions).push_back(std::move(op));
  return ok();
}

Result<void> RuleParser::parse_threshold(std::string_view value, bool detection_filter, Rule& rule) {
  ThresholdSpec spec;
  spec.type = detection_filter ? ThresholdSpec::Type::detection_filter : ThresholdSpec::Type::limit;
  bool have_type = detection_filter, have_track = false, have_count = false, have_seconds = false;
  bool have_multiplier = false;
  const char* keyword = detection_filter ? "detection_filter" : "threshold";
  for (std::string_view item : split_trim(value, ',')) {
    const size_t space = item.find_first_of(" \t");
    const std::string_view key = item.substr(0, space);
    const std::string_view arg = space == std::string_view::npos ? std::string_view() : trim(item.substr(space));
    if (key == "type" && !detection_filter) {
      have_type = true;
      if (arg == "limit") spec.type = ThresholdSpec::Type::limit;
      else if (arg == "threshold") spec.type = ThresholdSpec::Type::threshold;
      else if (arg == "both") spec.type = ThresholdSpec::Type::both;
      else if (arg == "backoff") spec.type = ThresholdSpec::Type::backoff;
      else return fail(ErrorCode::parse_error, std::string(keyword) + ": unknown type '" + std::string(arg) + "'");
    } else if (key == "track") {
      have_track = true;
      if (arg == "by_src") spec.track = ThresholdSpec::Track::by_src;
      else if (arg == "by_dst") spec.track = ThresholdSpec::Track::by_dst;
      else if (arg == "by_rule") spec.track = ThresholdSpec::Track::by_rule;
      else if (arg == "by_both") spec.track = ThresholdSpec::Track::by_both;
      else if (arg == "by_flow") spec.track = ThresholdSpec::Track::by_flow;
      else return fail(ErrorCode::parse_error, std::string(keyword) + ": unknown track '" + std::string(arg) + "'");
    } else if (key == "count") {
      auto v = parse_u32("count", arg);
      if (!v || *v == 0) return fail(ErrorCode::parse_error, std::string(keyword) + ": bad count '" + std::string(arg) + "'");
      spec.count = *v;
      have_count = true;
    } else if (key == "seconds") {
      auto v = parse_u32("seconds", arg);
      if (!v) return fail(v.error().with_context(keyword));
      spec.window = seconds(*v);
      have_seconds = true;
    } else if (key == "multiplier" && !detection_filter) {
      auto v = parse_u32("multiplier", arg);
      if (!v || *v < 2) return fail(ErrorCode::parse_error, std::string(keyword) + ": bad multiplier '" + std::string(arg) + "'");
      spec.multiplier = *v;
      have_multiplier = true;
    } else {
      return fail(ErrorCode::parse_error, std::string(keyword) + ": unknown setting '" + std::string(item) + "'");
    }
  }
  if (spec.type == ThresholdSpec::Type::backoff) {
    // Suricata 8: backoff counts matches for the life of a flow, so it takes a multiplier, not seconds.
    if (!have_track || !have_count || !have_multiplier || have_seconds) {
      return fail(ErrorCode::parse_error, "threshold type backoff needs track, count and multiplier (no seconds)");
    }
    if (spec.track != ThresholdSpec::Track::by_flow) {
      return fail(ErrorCode::parse_error, "threshold type backoff supports only track by_flow");
    }
  } else if (!have_type || !have_track || !have_count || !have_seconds || have_multiplier) {
    return fail(ErrorCode::parse_error, std::string(keyword) + " needs type, track, count and seconds");
  }
  rule.thresholds.push_back(spec);
  return ok();
}

std::variant<Rule, RuleIssue> RuleParser::parse(std::string_view text, const std::string& file, int line) {
  RuleIssue issue;
  issue.file = file;
  issue.line = line;
  auto failed = [&](const Error& error, std::string_view keyword = {}) {
    issue.reason = error.message;
    issue.keyword = std::string(keyword);
    return issue;
  };

  auto split = split_rule(text);
  if (!split) {
    // Still name the rule when its options do not split: look for a plain `sid:N;`.
    const size_t at = text.find("sid:");
    if (at != std::string_view::npos && (at == 0 || text[at - 1] == ' ' || text[at - 1] == ';' || text[at - 1] == '(')) {
      const std::string_view rest = text.substr(at + 4);
      const size_t end = rest.find_first_of(";) ");
      if (auto v = parse_int(rest.substr(0, end)); v && *v > 0 && *v <= 0xffffffffLL) issue.sid = static_cast<uint32_t>(*v);
    }
    return failed(split.error());
  }
  Rule rule;
  rule.info.file = file;
  rule.info.line = line;
  // sid and gid first, so every later problem can name the rule.
  for (const RuleOption& o : split->options) {
    if (o.name == "sid") {
      if (auto v = parse_u32("sid", o.value)) issue.sid = rule.info.sid = *v;
    } else if (o.name == "gid") {
      if (auto v = parse_u32("gid", o.value)) rule.info.gid = *v;
    }
  }
  if (auto r = parse_header(*split, rule); !r) return failed(r.error());

  PayloadOptionParser payload(rule);
  std::optional<int> explicit_priority;
  bool have_sid = false;
  for (const RuleOption& o : split->options) {
    const std::string_view name = o.name;
    const std::string_view value = o.value;
    Result<void> r = ok();
    if (payload.handles(name)) {
      r = payload.apply(name, value);
      if (!r && r.error().code == ErrorCode::unsupported) {
        return failed(r.error(), name == "pcre" ? "pcre" : name);
      }
    } else if (name == "msg") {
      auto m = unquote(value);
      if (m) rule.info.msg = std::move(*m);
      else r = fail(m.error().with_context("msg"));
    } else if (name == "sid") {
      auto v = parse_u32("sid", value);
      if (!v || *v == 0) r = fail(ErrorCode::parse_error, "bad sid '" + std::string(value) + "'");
      have_sid = true;
    } else if (name == "gid") {
      if (auto v = parse_u32("gid", value); !v) r = fail(v.error());
    } else if (name == "rev") {
      if (auto v = parse_u32("rev", value)) rule.info.rev = *v;
      else r = fail(v.error());
    } else if (name == "classtype") {
      const Classification* c = find_classification(value);
      if (c == nullptr) {
        r = fail(ErrorCode::invalid_argument, "unknown classtype '" + std::string(value) + "'");
      } else {
        rule.info.classtype = std::string(c->name);
        rule.info.category = std::string(c->description);
        rule.info.priority = c->priority;
      }
    } else if (name == "priority") {
      auto v = parse_int(value);
      if (!v || *v < 1 || *v > 255) r = fail(ErrorCode::parse_error, "bad priority '" + std::string(value) + "'");
      else explicit_priority = static_cast<int>(*v);
    } else if (name == "target") {
      if (value != "src_ip" && value != "dest_ip") {
        r = fail(ErrorCode::parse_error, "target must be src_ip or dest_ip");
      }
    } else if (name == "noalert") {
      rule.info.noalert = true;
    } else if (name == "flow") {
      r = parse_flow(value, rule);
    } else if (name == "flowbits") {
      r = parse_flowbits(value, rule);
    } else if (name == "threshold" || name == "detection_filter") {
      r = parse_threshold(value, name == "detection_filter", rule);
    } else if (name == "dsize" || name == "ttl" || name == "itype" || name == "icode") {
      auto check = parse_number_check(value);
      if (!check) {
        r = fail(check.error().with_context(std::string(name)));
      } else {
        auto& slot = name == "dsize" ? rule.dsize : name == "ttl" ? rule.ttl : name == "itype" ? rule.itype : rule.icode;
        slot = *check;
      }
    } else if (name == "icmp_id" || name == "icmp_seq") {
      auto v = parse_int(value);
      if (!v || *v < 0 || *v > 65535) {
        r = fail(ErrorCode::parse_error, "bad " + std::string(name) + " '" + std::string(value) + "'");
      } else {
        (name == "icmp_id" ? rule.icmp_id : rule.icmp_seq) = static_cast<uint16_t>(*v);
      }
    } else if (name == "ipopts") {
      if (auto bit = ip_option_by_name(trim(value))) rule.ipopts = *bit;
      else r = fail(ErrorCode::parse_error, "unknown ipopts value '" + std::string(value) + "'");
    } else if (name == "app-layer-protocol") {
      auto check = parse_app_layer_protocol(value);
      if (!check && check.error().code == ErrorCode::unsupported) return failed(check.error(), name);
      if (check) rule.app_layer_protocol = *check;
      else r = fail(check.error());
    } else if (name == "tls.version") {
      auto check = parse_tls_version(value);
      if (check) rule.tx_values.push_back(*check);
      else r = fail(check.error());
    } else if (name == "flags") {
      auto f = parse_tcp_flags(value);
      if (f) rule.flags = *f;
      else r = fail(f.error());
    } else if (std::find(std::begin(kIgnored), std::end(kIgnored), name) != std::end(kIgnored)) {
      // accepted, no effect
    } else {
      return failed(Error{ErrorCode::unsupported, "unsupported keyword '" + std::string(name) + "'"}, name);
    }
    if (!r) return failed(r.error());
  }
  if (!have_sid) return failed(Error{ErrorCode::parse_error, "rule has no sid"});
  if (auto r = payload.finish(); !r) {
    return failed(r.error(), r.error().code == ErrorCode::unsupported ? "app-layer" : "");
  }
  if (rule.inspects_transactions() &&
      (rule.dsize || rule.ttl || rule.flags || rule.itype || rule.icode || rule.icmp_id || rule.icmp_seq || rule.ipopts)) {
    // These describe one packet; a transaction is matched apart from the packets that carried it.
    return failed(Error{ErrorCode::unsupported, "packet keywords (dsize, ttl, flags, icmp, ipopts) with app-layer buffers"},
                  "app-layer");
  }
  if (explicit_priority) rule.info.priority = *explicit_priority;
  return rule;
}

}  // namespace vigil::rules
