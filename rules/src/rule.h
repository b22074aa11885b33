// Rule: the parsed, resolved form of one signature (header sets, packet keywords, payload program).
// RuleParser builds it; RuleSetImpl owns it; HeaderMatcher and PayloadMatcher read it.
// Thread contract: immutable once the RuleSet is built.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "address_set.h"
#include "pcre_pattern.h"
#include "port_set.h"
#include "vigil/applayer/app_proto.h"
#include "vigil/applayer/buffer_id.h"
#include "vigil/core/time.h"
#include "vigil/rules/flow_state.h"
#include "vigil/rules/rule_info.h"

namespace vigil::rules {

// Transport classes a rule header accepts.
inline constexpr uint8_t kProtoClassTcp = 0;
inline constexpr uint8_t kProtoClassUdp = 1;
inline constexpr uint8_t kProtoClassIcmp = 2;
inline constexpr uint8_t kProtoClassOther = 3;
inline constexpr int kProtoClasses = 4;
inline constexpr uint8_t kMaskTcp = 1u << kProtoClassTcp;
inline constexpr uint8_t kMaskUdp = 1u << kProtoClassUdp;
inline constexpr uint8_t kMaskIcmp = 1u << kProtoClassIcmp;
inline constexpr uint8_t kMaskAnyIp = 0x0f;

// A table, not a switch: the scanner asks once per packet, and the switch compiled to ten
// instructions of compares and branches (1.6 M per ET Open bench pass).
inline constexpr std::array<uint8_t, 256> kProtoClassOf = [] {
  std::array<uint8_t, 256> table{};
  table.fill(kProtoClassOther);
  table[6] = kProtoClassTcp;
  table[17] = kProtoClassUdp;
  table[1] = kProtoClassIcmp;
  table[58] = kProtoClassIcmp;
  return table;
}();

inline uint8_t proto_class(uint8_t ip_proto) { return kProtoClassOf[ip_proto]; }

// A numeric comparison as used by dsize, ttl, itype, icode: N, <N, >N, <=N, >=N, N<>M, N-M, !N.
struct NumberCheck {
  enum class Op : uint8_t { eq, ne, lt, gt, le, ge, between };
  Op op = Op::eq;
  int64_t a = 0;
  int64_t b = 0;  // upper bound for `between` (exclusive on both ends, as Suricata)
  bool matches(int64_t v) const {
    switch (op) {
      case Op::eq: return v == a;
      case Op::ne: return v != a;
      case Op::lt: return v < a;
      case Op::gt: return v > a;
      case Op::le: return v <= a;
      case Op::ge: return v >= a;
      case Op::between: return v > a && v < b;
    }
    return false;
  }
};

struct FlagsCheck {
  enum class Mode : uint8_t { exact, all_plus, any, none };
  Mode mode = Mode::exact;
  uint8_t flags = 0;
  uint8_t ignore = 0;  // the mask part of `flags:S,12`
  bool matches(uint8_t packet_flags) const {
    const uint8_t f = static_cast<uint8_t>(packet_flags & ~ignore);
    switch (mode) {
      case Mode::exact: return f == flags;
      case Mode::all_plus: return (f & flags) == flags;
      case Mode::any: return (f & flags) != 0;
      case Mode::none: return (f & flags) == 0;
    }
    return false;
  }
};

// Which buffers a TCP content rule inspects (Suricata): plain `tcp` rules the packet payloads and the
// reassembled stream; `tcp-pkt` / `flow:no_stream` packets only; `tcp-stream` / `flow:only_stream`
// the stream only.
enum class StreamMode : uint8_t { both, packet_only, stream_only };

// `app-layer-protocol:[!]name;`: the flow's recognised application protocol is (not) this one.
struct AppProtoCheck {
  AppProto proto = AppProto::unknown;
  bool negated = false;
};

struct FlowCheck {
  int8_t direction = 0;    // +1 to_server, -1 to_client, 0 either
  int8_t established = 0;  // +1 established, -1 not_established, 0 either
};

// A value written in the rule or read from a byte_extract variable.
struct Operand {
  int64_t value = 0;
  int var = -1;  // index into the rule's byte_extract variables, or -1
};

struct ContentStep {
  std::string pattern;  // raw bytes; lower-cased when nocase
  bool negated = false;
  bool nocase = false;
  bool startswith = false;
  bool endswith = false;
  bool fast_pattern = false;
  int fp_offset = 0;   // fast_pattern:o,l
  int fp_length = -1;  // -1: the whole pattern
  std::optional<Operand> offset, depth, distance, within;
  bool relative() const { return distance.has_value() || within.has_value(); }
};

struct PcreStep {
  std::shared_ptr<const PcrePattern> pattern;
  bool negated = false;
  bool relative = false;
};

// Shared by byte_test, byte_jump and byte_extract: how the bytes are read.
struct ByteRead {
  int bytes = 1;
  bool relative = false;
  bool little = false;
  int base = 0;  // 0: binary; 8, 10, 16: ASCII digits (`string,oct|dec|hex`)
  uint64_t bitmask = 0;
};

struct ByteTestStep {
  enum class Op : uint8_t { lt, gt, eq, le, ge, band, bxor };
  ByteRead read;
  Op op = Op::eq;
  bool negated = false;
  Operand value;
  Operand offset;
};

struct ByteJumpStep {
  ByteRead read;
  Operand offset;
  int64_t multiplier = 1;
  int64_t post_offset = 0;
  bool align = false;
  bool from_beginning = false;
  bool from_end = false;
};

struct ByteExtractStep {
  ByteRead read;
  int64_t offset = 0;
  int var = 0;
  int64_t multiplier = 1;
  int align = 0;  // 0, 2 or 4
};

struct IsDataAtStep {
  Operand position;
  bool relative = false;
  bool negated = false;
};

using PayloadStep = std::variant<ContentStep, PcreStep, ByteTestStep, ByteJumpStep, ByteExtractStep, IsDataAtStep>;

struct FlowbitOp {
  enum class Cmd : uint8_t { set, unset, toggle, isset, isnotset };
  Cmd cmd = Cmd::set;
  bool any_of = false;  // `a|b`: isset/isnotset hold if any named bit does
  std::vector<uint32_t> bits;
};

struct ThresholdSpec {
  enum class Type : uint8_t { limit, threshold, both, backoff, detection_filter };
  enum class Track : uint8_t { by_src, by_dst, by_rule, by_both, by_flow };
  Type type = Type::limit;
  Track track = Track::by_src;
  uint32_t count = 1;
  uint32_t multiplier = 0;  // backoff: alert on match count, count*m, count*m^2, ...
  Duration window = 0;      // backoff has none: its counter lives as long as the flow
};

// IPv4 option bits for `ipopts`, set from the options the header carries (Suricata's names).
inline constexpr uint16_t kIpOptEol = 1u << 0;
inline constexpr uint16_t kIpOptNop = 1u << 1;
inline constexpr uint16_t kIpOptRr = 1u << 2;
inline constexpr uint16_t kIpOptTs = 1u << 3;
inline constexpr uint16_t kIpOptQs = 1u << 4;
inline constexpr uint16_t kIpOptLsrr = 1u << 5;
inline constexpr uint16_t kIpOptSsrr = 1u << 6;
inline constexpr uint16_t kIpOptSatid = 1u << 7;
inline constexpr uint16_t kIpOptSec = 1u << 8;
inline constexpr uint16_t kIpOptCipso = 1u << 9;
inline constexpr uint16_t kIpOptRtralt = 1u << 10;
inline constexpr uint16_t kIpOptEsec = 1u << 11;
inline constexpr uint16_t kIpOptAny = 0xffff;

inline constexpr int kMaxExtractVars = 8;

// Suricata's buffer transforms, applied in rule order to an app-layer buffer before its chain
// (and its fast pattern) sees it.
enum class Transform : uint8_t { dotprefix, to_lowercase, to_uppercase, strip_whitespace, compress_whitespace, url_decode };

// One application-layer buffer a rule inspects (a sticky buffer such as `http.uri;`, or the
// contents a legacy modifier such as `http_uri;` moved there): the transforms, the size checks
// (`bsize`, `urilen`) and the content program, with the payload program's semantics. A
// multi-entry buffer (dns.query, tls.certs) holds when one entry does.
struct BufferChain {
  applayer::BufferId id = applayer::BufferId::http_uri;
  std::vector<Transform> transforms;
  std::vector<NumberCheck> sizes;  // on the transformed buffer's length (urilen: untransformed)
  std::vector<PayloadStep> steps;
};

// A value keyword (`tls.version:1.2;`): a number of the transaction compared, not scanned
// (tx_value_check.h).
struct TxValueCheck {
  enum class Field : uint8_t { tls_version };
  Field field = Field::tls_version;
  uint16_t value = 0;
  bool raw = false;  // tls.version:0x7f1c: exactly this code (else TLS 1.3 drafts count as 1.3)
};

// Members are ordered by how often detection reads them, not by keyword. A rule is 700 bytes,
// and a candidate the Scanner verifies is usually not in the cache. So what it reads for every
// candidate comes first, in about two lines: packet_keywords_match, the payload program, the
// flowbit actions and thresholds; then the four number checks, whose has_value each candidate
// tests. Before this order, a candidate read seven lines of its rule, spread over all twelve
// (callgrind, ET Open bench: packet_keywords_match's D1 misses fell by a quarter).
struct Rule {
  // Read for every candidate.
  FlowCheck flow;
  StreamMode stream = StreamMode::both;
  AppProto app = AppProto::unknown;  // the flow must be recognised as this (when vigil can recognise it)
  std::optional<AppProtoCheck> app_layer_protocol;
  uint8_t protos = kMaskAnyIp;
  bool bidirectional = false;
  bool negated_address = false;  // a `!` in the header's address text: Suricata keeps such rules off its IP-only engine
  std::optional<FlagsCheck> flags;
  uint16_t ipopts = 0;  // kIpOpt* bit that must be set (kIpOptAny: any option); 0 = no check
  std::optional<uint16_t> icmp_id, icmp_seq;
  uint32_t info_index = 0;  // filled by RuleSetImpl
  // Payload steps come before the fast pattern: on a stream, a match may need earlier segments.
  bool stream_lookback = false;  // filled by RuleSetImpl
  std::vector<FlowbitOp> flowbit_checks;
  std::vector<PayloadStep> payload;
  std::vector<FlowbitOp> flowbit_actions;
  std::vector<ThresholdSpec> thresholds;  // threshold and/or detection_filter
  std::optional<NumberCheck> dsize, ttl, itype, icode;

  // Read when the gate leaves the header to check (header_matches), or for reports.
  AddressSet src;
  AddressSet dst;
  PortSet src_ports;
  PortSet dst_ports;
  RuleInfo info;
  std::string app_proto;  // "http", "dns", ... when the header named an application protocol

  // App-layer buffers: a rule with any (or with a value keyword) is matched against transactions
  // (TransactionMatcher), not packets; every chain and value must hold on the same transaction.
  std::vector<BufferChain> buffers;
  std::vector<TxValueCheck> tx_values;  // also matched per transaction, after the buffers
  // The protocol its transactions must be: the header's (`alert http`), else its buffers'.
  applayer::AppProto tx_proto = applayer::AppProto::unknown;
  // +1 only request transactions, -1 only responses, 0 either: the flow keyword's direction, else
  // the one its buffers imply (Suricata runs a rule whose buffers exist on one side only on that side).
  int8_t tx_direction = 0;
  bool inspects_transactions() const { return !buffers.empty() || !tx_values.empty(); }
};

}  // namespace vigil::rules
