// Text names of core enums: one table per enum, used both ways so they never drift apart.
#include <array>
#include <string>
#include <utility>

#include "vigil/core/event.h"
#include "vigil/core/incident.h"

namespace vigil {

namespace {

template <typename Enum, size_t N>
using NameTable = std::array<std::pair<Enum, std::string_view>, N>;

constexpr NameTable<EventType, 8> kEventTypes{{{EventType::alert, "alert"},
                                               {EventType::flow, "flow"},
                                               {EventType::anomaly, "anomaly"},
                                               {EventType::stats, "stats"},
                                               {EventType::http, "http"},
                                               {EventType::dns, "dns"},
                                               {EventType::tls, "tls"},
                                               {EventType::ssh, "ssh"}}};
constexpr NameTable<Severity, 4> kSeverities{{
    {Severity::low, "low"}, {Severity::medium, "medium"}, {Severity::high, "high"}, {Severity::critical, "critical"}}};
constexpr NameTable<IncidentState, 6> kStates{{{IncidentState::new_, "new"},
                                               {IncidentState::acknowledged, "acknowledged"},
                                               {IncidentState::investigating, "investigating"},
                                               {IncidentState::contained, "contained"},
                                               {IncidentState::resolved, "resolved"},
                                               {IncidentState::closed, "closed"}}};
constexpr NameTable<Resolution, 4> kResolutions{{{Resolution::none, "none"},
                                                 {Resolution::true_positive, "true_positive"},
                                                 {Resolution::false_positive, "false_positive"},
                                                 {Resolution::benign, "benign"}}};

template <typename Enum, size_t N>
std::string_view name_of(const NameTable<Enum, N>& table, Enum value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "unknown";
}

template <typename Enum, size_t N>
Result<Enum> parse_name(const NameTable<Enum, N>& table, std::string_view text, std::string_view what) {
  for (const auto& [e, name] : table) {
    if (name == text) return e;
  }
  std::string choices;
  for (const auto& entry : table) {
    if (!choices.empty()) choices += ", ";
    choices += entry.second;
  }
  return fail(ErrorCode::invalid_argument,
              "unknown " + std::string(what) + " '" + std::string(text) + "' (one of: " + choices + ")");
}

}  // namespace

std::string_view to_string(EventType type) { return name_of(kEventTypes, type); }
Result<EventType> parse_event_type(std::string_view text) { return parse_name(kEventTypes, text, "event type"); }
std::string_view to_string(Severity severity) { return name_of(kSeverities, severity); }
Result<Severity> parse_severity(std::string_view text) { return parse_name(kSeverities, text, "severity"); }
std::string_view to_string(IncidentState state) { return name_of(kStates, state); }
Result<IncidentState> parse_incident_state(std::string_view text) {
  return parse_name(kStates, text, "incident state");
}
std::string_view to_string(Resolution resolution) { return name_of(kResolutions, resolution); }
Result<Resolution> parse_resolution(std::string_view text) { return parse_name(kResolutions, text, "resolution"); }

std::string proto_name(uint8_t proto) {
  switch (proto) {
    case kProtoTcp: return "TCP";
    case kProtoUdp: return "UDP";
    case kProtoIcmp: return "ICMP";
    case kProtoIcmpV6: return "IPv6-ICMP";
    case 132: return "SCTP";
    default: return std::to_string(proto);
  }
}

std::optional<uint8_t> parse_proto_name(std::string_view name) {
  for (int p = 0; p < 256; ++p) {
    if (proto_name(static_cast<uint8_t>(p)) == name) return static_cast<uint8_t>(p);
  }
  return std::nullopt;
}

std::string format_incident_id(uint64_t number) {
  std::string digits = std::to_string(number);
  if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
  return "INC-" + digits;
}

}  // namespace vigil
