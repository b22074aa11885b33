#include "vigil/rules/scanner.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "packet_matcher.h"
#include "rule_set_impl.h"
#include "scanner_state.h"

namespace vigil::rules {
namespace {

int on_hs_match(unsigned id, unsigned long long /*from*/, unsigned long long /*to*/, unsigned /*flags*/,
                void* context) {
  static_cast<std::vector<uint32_t>*>(context)->push_back(id);
  return 0;  // keep scanning: every fast pattern counts once (HS_FLAG_SINGLEMATCH)
}

}  // namespace

Scanner::Scanner(std::shared_ptr<const RuleSet> rules) : rules_(std::move(rules)), state_(std::make_unique<ScannerState>()) {
  const RuleSetImpl& impl = rules_->impl();
  if (impl.block_database()) {
    if (auto r = state_->scratch.reserve_for(impl.block_database()); r) {
      state_->scratch_ready = true;
    } else {
      spdlog::error("rules: {}; content rules will not be matched", r.error().message);
    }
  }
  state_->hits.reserve(impl.pattern_count());
  state_->candidates.reserve(256);
  state_->matched.reserve(64);
}

Scanner::~Scanner() = default;
Scanner::Scanner(Scanner&&) noexcept = default;
Scanner& Scanner::operator=(Scanner&&) noexcept = default;

void Scanner::scan(const Packet& packet, std::vector<const RuleInfo*>& alerts) {
  if (packet.ip_version == 0) return;
  const RuleSetImpl& impl = rules_->impl();
  ScannerState& st = *state_;
  st.hits.clear();
  st.candidates.clear();
  st.matched.clear();

  if (!packet.payload.empty() && st.scratch_ready) {
    hs_scan(impl.block_database().get(), packet.payload.data(), static_cast<unsigned>(packet.payload.size()), 0,
            st.scratch.get(), on_hs_match, &st.hits);
    for (uint32_t id : st.hits) {
      const auto rules = impl.pattern_rules(id);
      st.candidates.insert(st.candidates.end(), rules.begin(), rules.end());
    }
  }
  const uint8_t cls = proto_class(packet.proto);
  const auto any_port = impl.non_payload_any_port(cls);
  st.candidates.insert(st.candidates.end(), any_port.begin(), any_port.end());
  if (cls == kProtoClassTcp || cls == kProtoClassUdp) {
    const auto by_port = impl.non_payload_for_port(cls, packet.dst_port);
    st.candidates.insert(st.candidates.end(), by_port.begin(), by_port.end());
  }
  const auto by_src = impl.non_payload_by_src(packet.src);
  st.candidates.insert(st.candidates.end(), by_src.begin(), by_src.end());
  const auto by_dst = impl.non_payload_by_dst(packet.dst);
  st.candidates.insert(st.candidates.end(), by_dst.begin(), by_dst.end());
  if (st.candidates.empty()) return;
  // Index order is evaluation order (flowbit setters first); unique makes each rule count once.
  std::sort(st.candidates.begin(), st.candidates.end());
  st.candidates.erase(std::unique(st.candidates.begin(), st.candidates.end()), st.candidates.end());

  bool passed = false;
  for (uint32_t index : st.candidates) {
    const Rule& rule = impl.rule(index);
    if (!header_matches(rule, packet) || !packet_keywords_match(rule, packet)) continue;
    if (!rule.payload.empty() && !st.payload.matches(rule, packet.payload)) continue;
    apply_flowbit_actions(rule, packet);
    if (!rule.thresholds.empty() && !st.thresholds.allow(index, rule, packet)) continue;
    const RuleInfo& info = impl.info(rule);
    if (info.action == "pass") {
      passed = true;  // Suricata's default action order: a pass match silences the packet
      continue;
    }
    if (!info.noalert) st.matched.push_back(&info);
  }
  if (passed) return;
  std::sort(st.matched.begin(), st.matched.end(), [](const RuleInfo* a, const RuleInfo* b) {
    return a->priority != b->priority ? a->priority < b->priority : a->sid < b->sid;
  });
  alerts.insert(alerts.end(), st.matched.begin(), st.matched.end());
}

}  // namespace vigil::rules
