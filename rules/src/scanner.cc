#include "vigil/rules/scanner.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <span>

#include "app_protocol.h"
#include "packet_matcher.h"
#include "rule_set_impl.h"
#include "scanner_state.h"

namespace vigil::rules {
namespace {

// Where a block scan's hits go, and which of them can concern the packet (PortSelection::hit_filter).
// `next` writes into ScannerState::hits, sized for the largest table: with HS_FLAG_SINGLEMATCH a
// scan reports each pattern once, so it never runs past the end (no capacity check per hit).
struct HitSink {
  uint32_t* next;
  uint32_t filter;
};

int on_hs_match(unsigned id, unsigned long long /*from*/, unsigned long long /*to*/, unsigned /*flags*/,
                void* context) {
  HitSink& sink = *static_cast<HitSink*>(context);
  // A hit outside the packet's port group has no rule that takes its server port: its gates
  // would all say no, and reading them was a cache miss per hit.
  if (sink.filter == 0 || (id & sink.filter) != 0) *sink.next++ = id;
  return 0;  // keep scanning: every fast pattern counts once (HS_FLAG_SINGLEMATCH)
}

int on_hs_stream_match(unsigned id, unsigned long long /*from*/, unsigned long long to, unsigned /*flags*/,
                       void* context) {
  ScannerState& st = *static_cast<ScannerState*>(context);
  // Only a pattern's first occurrence in this call matters: it is the one that may have begun in an
  // earlier segment, and any one occurrence makes the pattern's rules candidates.
  if (st.stream_seen[id] == st.stream_epoch) return 0;
  st.stream_seen[id] = st.stream_epoch;
  st.stream_hits.push_back({id, to});
  return 0;
}

// A scanner that defers thresholds still applies the by_flow ones (the flow is this worker's).
ThresholdTable::Scope threshold_scope(bool deferred) {
  return deferred ? ThresholdTable::Scope::by_flow_only : ThresholdTable::Scope::all;
}

// What of header_matches a candidate still needs after its gate admitted it.
constexpr uint32_t kCheckNothing = 0;
constexpr uint32_t kCheckPorts = 1;
constexpr uint32_t kCheckHeader = 2;

struct PacketGate {
  uint8_t proto_bit;
  int8_t direction;
  int8_t established;
  bool ports;
  bool syn;  // TCP with SYN set
};

// The packet's two addresses in the form the indexes and address sets compare, and their memos,
// found on a gate's first address-set question only: most hits' gates refuse on protocol,
// direction, flow state or ports before that, and finding both memos for every packet cost more
// than the set tests themselves (callgrind, ET Open bench: 3.7 M of the wrapper's 55 M
// instructions). Either order of finding leaves the other's slot alone (memo_for).
class PacketAddresses {
 public:
  PacketAddresses(ScannerState& st, const Packet& packet)
      : st_(st), src_(to_u128(packet.src)), dst_(to_u128(packet.dst)) {}
  const U128& src() const { return src_; }
  const U128& dst() const { return dst_; }
  ScannerState::AddressMemo& src_memo() {
    if (src_memo_ == nullptr) src_memo_ = &st_.memo_for(src_, dst_);
    return *src_memo_;
  }
  ScannerState::AddressMemo& dst_memo() {
    if (dst_memo_ == nullptr) dst_memo_ = &st_.memo_for(dst_, src_);
    return *dst_memo_;
  }

 private:
  ScannerState& st_;
  U128 src_;
  U128 dst_;
  ScannerState::AddressMemo* src_memo_ = nullptr;
  ScannerState::AddressMemo* dst_memo_ = nullptr;
};

// Whether the memo's address is in gate address set `set`, testing the set only the first time.
bool in_set(const RuleSetImpl& impl, uint8_t set, ScannerState::AddressMemo& memo) {
  const uint64_t bit = uint64_t{1} << set;
  if ((memo.known & bit) == 0) {
    memo.known |= bit;
    if (impl.gate_address_sets()[set]->ranges().contains(memo.address)) memo.in |= bit;  // never `any`
  }
  return (memo.in & bit) != 0;
}

// False when the rule cannot match this packet on the facts its RuleGate holds.
bool gate_admits(const RuleSetImpl& impl, const RuleGate& gate, const PacketGate& p, const Packet& packet,
                 PacketAddresses& addresses) {
  if ((gate.protos & p.proto_bit) == 0) return false;
  if (gate.direction != 0 && gate.direction != p.direction) return false;
  if (gate.established != 0 && gate.established != p.established) return false;
  if (gate.requires_syn && !p.syn) return false;
  if (gate.check_ports && p.ports &&
      (packet.src_port < gate.src_lo || packet.src_port > gate.src_hi || packet.dst_port < gate.dst_lo ||
       packet.dst_port > gate.dst_hi)) {
    return false;
  }
  if (gate.src_set != RuleGate::kNoSet && !in_set(impl, gate.src_set, addresses.src_memo())) return false;
  if (gate.dst_set != RuleGate::kNoSet && !in_set(impl, gate.dst_set, addresses.dst_memo())) return false;
  return true;
}

// Runs `check` (true: the rule fired) and adds it to the rule's counters, timed by the steady clock.
template <class Check>
bool profiled(RuleProfile& profile, uint32_t info_index, Check&& check) {
  const auto start = std::chrono::steady_clock::now();
  const bool fired = check();
  const auto spent = std::chrono::steady_clock::now() - start;
  RuleCounters& counters = profile[info_index];
  ++counters.checks;
  counters.matches += fired ? 1 : 0;
  counters.nanoseconds += static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(spent).count());
  return fired;
}

bool by_priority(const RuleInfo* a, const RuleInfo* b) {
  return a->priority != b->priority ? a->priority < b->priority : a->sid < b->sid;
}

}  // namespace

Scanner::Scanner(std::shared_ptr<const RuleSet> rules) : rules_(std::move(rules)), state_(std::make_unique<ScannerState>()) {
  const RuleSetImpl& impl = rules_->impl();
  // One scratch serves every database of the set.
  bool ready = true;
  size_t most_patterns = 0;
  for (const PatternTable& table : impl.block_groups().tables()) {
    most_patterns = std::max(most_patterns, table.pattern_count());
    if (auto r = state_->scratch.reserve_for(table.database); !r) {
      ready = false;
      spdlog::error("rules: {}; content rules will not be matched", r.error().message);
      break;
    }
  }
  if (ready) {
    if (auto r = state_->scratch.reserve_for(impl.stream_database()); !r) {
      ready = false;
      spdlog::error("rules: {}; content rules will not be matched", r.error().message);
    }
  }
  state_->scratch_ready = ready;
  state_->stream_seen.assign(impl.stream_pattern_count(), 0);
  state_->stream_hits.reserve(impl.stream_pattern_count());
  state_->hits.resize(most_patterns);
  state_->candidates.reserve(256);
  state_->matched.reserve(64);
}

void Scanner::set_profile(RuleProfile* profile) {
  if (profile != nullptr) profile->ensure_size(rules_->size());
  profile_ = profile;
}

Scanner::~Scanner() = default;
Scanner::Scanner(Scanner&&) noexcept = default;
Scanner& Scanner::operator=(Scanner&&) noexcept = default;

void Scanner::scan(const Packet& packet, std::vector<const RuleInfo*>& alerts) {
  if (packet.ip_version == 0) return;
  // Before the rules: an `alert http` rule asks what the flow is. Nothing to track without a flow;
  // tested here, not in the call, because the call was 2.1 M instructions per bench pass.
  if (packet.flow_state != nullptr) track_app_proto(packet);
  const RuleSetImpl& impl = rules_->impl();
  ScannerState& st = *state_;
  st.candidates.clear();

  const uint8_t cls = proto_class(packet.proto);
  PacketAddresses addresses(st, packet);  // converted once per packet
  const U128& src = addresses.src();
  const U128& dst = addresses.dst();
  const PacketGate gate_input{static_cast<uint8_t>(1u << cls), static_cast<int8_t>(packet.to_server ? 1 : -1),
                              static_cast<int8_t>(packet.established ? 1 : -1),
                              cls == kProtoClassTcp || cls == kProtoClassUdp,
                              packet.proto == 6 && (packet.tcp_flags & kTcpSyn) != 0};

  // Only rules that pass their gate become candidates, as rule index * 4 + what of the header is
  // left to check (the order stays index order). Each source list below is sorted and holds a rule
  // once; only candidates gathered from two or more of them need sorting and deduplicating.
  size_t lists = 0;
  const auto admit = [&](const RuleGate& gate) {
    if (gate_admits(impl, gate, gate_input, packet, addresses)) {
      const uint32_t left = !gate.covers_addresses ? kCheckHeader : gate.check_ports ? kCheckNothing : kCheckPorts;
      st.candidates.push_back(gate.rule << 2 | left);
    }
  };
  const auto gather = [&](GatedRules list) {  // gates read in order
    const size_t before = st.candidates.size();
    for (const RuleGate& gate : list) admit(gate);
    lists += st.candidates.size() != before ? 1 : 0;
  };
  const auto gather_by_index = [&](std::span<const uint32_t> rules) {  // the address indexes' lists
    if (rules.empty()) return;  // the usual answer: skips the count of lists (1 M instructions a pass)
    const size_t before = st.candidates.size();
    for (uint32_t index : rules) admit(impl.gate(index));
    lists += st.candidates.size() != before ? 1 : 0;
  };
  const PortSelection selection = impl.select(packet, cls);
  const PatternTable* table = selection.table;
  if (!packet.payload.empty() && st.scratch_ready && table != nullptr) {
    HitSink sink{st.hits.data(), selection.hit_filter};
    hs_scan(table->database.get(), packet.payload.data(), static_cast<unsigned>(packet.payload.size()), 0,
            st.scratch.get(), on_hs_match, &sink);
    for (const uint32_t* hit = st.hits.data(); hit != sink.next; ++hit) gather(table->gated_hit_rules(*hit));
  }
  gather(selection.plain);
  gather_by_index(impl.non_payload_by_src(src));
  gather_by_index(impl.non_payload_by_dst(dst));
  if (packet.first_in_direction) {
    // Suricata evaluates IP-only rules once per flow direction, on its first packet.
    gather_by_index(impl.ip_only_by_src(src));
    gather_by_index(impl.ip_only_by_dst(dst));
    gather_by_index(impl.ip_only_wide(cls));
  }
  if (st.candidates.empty()) return;
  if (lists > 1) {
    // Index order is evaluation order (flowbit setters first); unique makes each rule count once.
    std::sort(st.candidates.begin(), st.candidates.end());
    st.candidates.erase(std::unique(st.candidates.begin(), st.candidates.end()), st.candidates.end());
  }

  st.matched.clear();
  bool passed = false;
  PacketFacts facts(packet);
  for (uint32_t candidate : st.candidates) {
    const uint32_t index = candidate >> 2;
    const Rule& rule = impl.rule(index);
    // Whether the rule fires: every condition holds and its threshold lets it through.
    const auto fires = [&] {
      const uint32_t left = candidate & 3;
      if (left == kCheckHeader ? !header_matches(rule, packet) : left == kCheckPorts && !ports_match(rule, packet)) {
        return false;
      }
      if (!packet_keywords_match(rule, packet, facts)) return false;
      if (rule.stream == StreamMode::stream_only && !rule.payload.empty()) return false;  // scan_stream's
      if (!rule.payload.empty() && !st.payload.matches(rule, packet.payload)) return false;
      apply_flowbit_actions(rule, packet);
      return rule.thresholds.empty() || st.thresholds.allow(index, rule, packet, threshold_scope(defer_thresholds_));
    };
    if (profile_ == nullptr ? !fires() : !profiled(*profile_, rule.info_index, fires)) continue;
    const RuleInfo& info = impl.info(rule);
    if (info.action == "pass") {
      passed = true;  // Suricata's default action order: a pass match silences the packet
      continue;
    }
    if (!info.noalert) st.matched.push_back(&info);
  }
  if (passed) return;
  std::sort(st.matched.begin(), st.matched.end(), by_priority);
  alerts.insert(alerts.end(), st.matched.begin(), st.matched.end());
}

void Scanner::scan_stream(const Packet& packet, StreamContext& stream, std::string_view history,
                          std::string_view data, std::vector<const RuleInfo*>& alerts, uint64_t history_offset) {
  const RuleSetImpl& impl = rules_->impl();
  ScannerState& st = *state_;
  const HsDatabase& db = impl.stream_database();
  if (data.empty() || !db || !st.scratch_ready) return;
  if (stream.stream_ != nullptr && stream.database_ != db.get()) stream.reset();  // rules reloaded
  if (stream.stream_ == nullptr) {
    hs_stream_t* opened = nullptr;
    if (hs_open_stream(db.get(), 0, &opened) != HS_SUCCESS) return;  // out of memory: not inspected
    stream.stream_ = opened;
    stream.database_ = db.get();
    stream.scanned_ = 0;
    history_offset += history.size();
    history = {};  // bytes before the (re)open are not in the stream's state either
  }
  const auto origin = static_cast<int64_t>(history_offset);
  const uint64_t begin = stream.scanned_;
  if (++st.stream_epoch == 0) {  // wrapped: old stamps could look current
    std::fill(st.stream_seen.begin(), st.stream_seen.end(), 0);
    st.stream_epoch = 1;
  }
  st.stream_hits.clear();
  hs_scan_stream(static_cast<hs_stream_t*>(stream.stream_), data.data(), static_cast<unsigned>(data.size()), 0,
                 st.scratch.get(), on_hs_stream_match, &st);
  stream.scanned_ += data.size();
  if (st.stream_hits.empty()) return;

  st.candidates.clear();
  st.lookback.clear();
  for (const ScannerState::StreamHit& hit : st.stream_hits) {
    const bool split = hit.end - impl.stream_pattern_length(hit.id) < begin;
    for (uint32_t index : impl.stream_pattern_rules(hit.id)) {
      const Rule& rule = impl.rule(index);
      if (split || rule.stream == StreamMode::stream_only) {
        st.candidates.push_back(index);
      } else if (rule.stream_lookback && !history.empty()) {
        st.lookback.push_back(index);
      }
    }
  }
  if (st.candidates.empty() && st.lookback.empty()) return;
  std::sort(st.candidates.begin(), st.candidates.end());
  st.candidates.erase(std::unique(st.candidates.begin(), st.candidates.end()), st.candidates.end());
  std::sort(st.lookback.begin(), st.lookback.end());
  st.lookback.erase(std::unique(st.lookback.begin(), st.lookback.end()), st.lookback.end());
  st.stream_buffer.assign(history);
  st.stream_buffer.append(data);
  const std::string_view buffer = st.stream_buffer;

  st.matched.clear();
  bool passed = false;
  PacketFacts facts(packet);
  auto verify = [&](uint32_t index, bool needs_new_bytes) {
    const Rule& rule = impl.rule(index);
    const RuleInfo& info = impl.info(rule);
    if (std::find(alerts.begin(), alerts.end(), &info) != alerts.end()) return;  // this packet matched it
    const auto fires = [&] {
      if (!header_matches(rule, packet) || !packet_keywords_match(rule, packet, facts)) return false;
      if (!st.payload.matches(rule, buffer, origin)) return false;
      // A match inside history alone was reported with the segment that completed it.
      if (needs_new_bytes && st.payload.matches(rule, history, origin)) return false;
      apply_flowbit_actions(rule, packet);
      return rule.thresholds.empty() || st.thresholds.allow(index, rule, packet, threshold_scope(defer_thresholds_));
    };
    if (profile_ == nullptr ? !fires() : !profiled(*profile_, rule.info_index, fires)) return;
    if (info.action == "pass") {
      passed = true;
      return;
    }
    if (!info.noalert) st.matched.push_back(&info);
  };
  // Evaluation order is index order (flowbit setters first), across both lists.
  size_t a = 0;
  size_t b = 0;
  while (a < st.candidates.size() || b < st.lookback.size()) {
    if (b == st.lookback.size() || (a < st.candidates.size() && st.candidates[a] <= st.lookback[b])) {
      const uint32_t index = st.candidates[a++];
      if (b < st.lookback.size() && st.lookback[b] == index) ++b;
      verify(index, false);
    } else {
      verify(st.lookback[b++], true);
    }
  }
  if (passed || st.matched.empty()) return;
  alerts.insert(alerts.end(), st.matched.begin(), st.matched.end());
  std::sort(alerts.begin(), alerts.end(), by_priority);
}

}  // namespace vigil::rules
