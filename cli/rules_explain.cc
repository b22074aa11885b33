#include "rules_explain.h"

#include <algorithm>

#include "vigil/rules/scanner.h"
#include "vigil/sensors/decoder.h"
#include "vigil/sensors/flow_table.h"
#include "vigil/sensors/pcap_file_source.h"

namespace vigil::cli {
namespace {

// Flow events are not what --explain is about; the flow table only has to fill in the flow facts.
class DiscardSink final : public EventSink {
 public:
  void consume(Event) override {}
};

std::string endpoint(const IpAddress& address, uint16_t port, bool ports) {
  const std::string text = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return ports ? text + ":" + std::to_string(port) : text;
}

std::string describe_flow(const rules::Packet& packet) {
  std::string proto;
  switch (packet.proto) {
    case 6: proto = "tcp"; break;
    case 17: proto = "udp"; break;
    case 1: proto = "icmp"; break;
    case 58: proto = "ipv6-icmp"; break;
    default: proto = "proto " + std::to_string(packet.proto);
  }
  const bool ports = packet.proto == 6 || packet.proto == 17;
  return proto + " " + endpoint(packet.src, packet.src_port, ports) + " -> " + endpoint(packet.dst, packet.dst_port, ports);
}

std::string describe_matches(const std::vector<rules::OptionMatch>& matches) {
  if (matches.empty()) return "(the rule has no content or pcre to locate)";
  std::string out;
  for (const auto& m : matches) {
    if (!out.empty()) out += "; ";
    out += m.option + (m.start == m.end ? " ending at " + std::to_string(m.end)
                                        : " at " + std::to_string(m.start) + ".." + std::to_string(m.end));
  }
  return out;
}

}  // namespace

Result<ExplainReport> explain_capture(const std::string& pcap, const std::shared_ptr<const rules::RuleSet>& rules,
                                      uint32_t sid) {
  auto explainer = rules::RuleExplainer::create(rules, sid);
  if (!explainer) return fail(explainer.error());
  auto source = sensors::PcapFileSource::open(pcap);
  if (!source) return fail(source.error());

  ExplainReport report;
  report.sid = sid;
  report.msg = (*explainer)->info().msg;
  report.origin = (*explainer)->info().file + ":" + std::to_string((*explainer)->info().line);
  report.stream_only = (*explainer)->stream_only();
  DiscardSink flow_events;
  sensors::Decoder decoder;
  sensors::FlowTable flows(flow_events, {"rules-test", "offline"});
  rules::Scanner scanner(rules);  // sets flowbits as detection does, and says whether the sid alerted
  std::vector<const rules::RuleInfo*> alerts;
  sensors::RawPacket raw;
  uint64_t number = 0;
  size_t matched_listed = 0;
  for (;;) {
    auto more = source->next(raw);
    if (!more) return fail(more.error());
    if (!*more) break;
    ++number;
    rules::Packet packet;
    const sensors::DecodeResult decoded = decoder.decode(source->link_type(), raw, packet);
    if (!decoded.decoded()) continue;
    if (decoded.is_fragment) {
      ++report.fragments;
      continue;
    }
    flows.update(packet, raw.wire_len);
    alerts.clear();
    scanner.scan(packet, alerts);
    // After the scan: flowbits set by this packet's rules count, as Suricata evaluates setters first.
    rules::RuleExplanation explanation = (*explainer)->explain(packet);
    if (!explanation.header_admits) {
      ++report.not_admitted;
      continue;
    }
    // Every match is listed; packets where it did not match only up to the limit.
    if (!explanation.matched && report.packets.size() - matched_listed >= kMaxExplainedPackets) {
      ++report.more_packets;
      continue;
    }
    if (explanation.matched) ++matched_listed;
    const bool alerted = std::any_of(alerts.begin(), alerts.end(), [&](const auto* r) { return r->sid == sid; });
    report.packets.push_back({number, packet.timestamp, describe_flow(packet), alerted, std::move(explanation)});
  }
  return report;
}

void print_explain(std::ostream& out, const ExplainReport& report) {
  out << "Explain sid " << report.sid << " (" << report.msg << ", " << report.origin << "), packet payloads:\n";
  if (report.stream_only) {
    out << "  this rule inspects only the reassembled TCP stream: its alerts come from the stream, not these packets\n";
  }
  for (const ExplainedPacket& p : report.packets) {
    out << "  packet " << p.number << "  " << format_timestamp(p.timestamp) << "  " << p.flow << "\n    ";
    const rules::RuleExplanation& e = p.explanation;
    if (e.matched) {
      out << "matched: " << describe_matches(e.matches);
      if (!p.alerted) out << " (no alert on this packet: threshold, noalert, a pass rule or a flowbit it changed)";
    } else {
      out << "not matched: " << e.failed;
    }
    out << "\n";
  }
  if (report.more_packets > 0) {
    out << "  ... and " << report.more_packets << " more packets where it did not match (not listed)\n";
  }
  const auto matched = std::count_if(report.packets.begin(), report.packets.end(),
                                     [](const ExplainedPacket& p) { return p.explanation.matched; });
  out << "  " << report.packets.size() + report.more_packets << " packets admitted by the header (" << matched
      << " matched), " << report.not_admitted << " not";
  if (report.fragments > 0) out << ", " << report.fragments << " IP fragments not evaluated";
  out << "\n";
}

nlohmann::json explain_json(const ExplainReport& report) {
  nlohmann::json packets = nlohmann::json::array();
  for (const ExplainedPacket& p : report.packets) {
    nlohmann::json entry{{"packet", p.number},
                         {"timestamp", format_timestamp(p.timestamp)},
                         {"flow", p.flow},
                         {"alerted", p.alerted},
                         {"matched", p.explanation.matched}};
    if (p.explanation.matched) {
      entry["matches"] = nlohmann::json::array();
      for (const auto& m : p.explanation.matches) {
        entry["matches"].push_back({{"option", m.option}, {"start", m.start}, {"end", m.end}});
      }
    } else {
      entry["failed"] = p.explanation.failed;
    }
    packets.push_back(std::move(entry));
  }
  return {{"sid", report.sid},
          {"msg", report.msg},
          {"origin", report.origin},
          {"stream_only", report.stream_only},
          {"packets", std::move(packets)},
          {"more_packets", report.more_packets},
          {"not_admitted", report.not_admitted},
          {"fragments", report.fragments}};
}

}  // namespace vigil::cli
