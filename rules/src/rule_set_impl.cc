#include "rule_set_impl.h"

#include <algorithm>
#include <string>
#include <unordered_map>

namespace vigil::rules {
namespace {

// Rules whose destination ports are at most this many get a per-port bucket; wider ones are checked
// for every packet of their protocol.
constexpr uint32_t kMaxBucketPorts = 64;

// An address side with at most this many addresses goes into an AddressIndex (IP reputation lists);
// wider sides ($HOME_NET, any) would put the same rule on too many segments to help.
constexpr uint64_t kNarrowAddresses = 1 << 16;

uint64_t address_count(const AddressSet& set) {
  uint64_t n = 0;
  for (const auto& r : set.ranges().ranges()) {
    if (r.hi.hi != r.lo.hi) return UINT64_MAX;
    n += r.hi.lo - r.lo.lo + 1;
    if (n > kNarrowAddresses || n == 0) return UINT64_MAX;
  }
  return n;
}

int flowbit_stage(const Rule& rule) {
  const bool sets = !rule.flowbit_actions.empty();
  const bool checks = !rule.flowbit_checks.empty();
  if (sets && !checks) return 0;
  if (checks && !sets) return 2;
  return 1;
}

// The content the prefilter looks for: the one marked fast_pattern, else the longest positive one.
const ContentStep* choose_fast_pattern(const Rule& rule) {
  const ContentStep* best = nullptr;
  for (const PayloadStep& step : rule.payload) {
    const auto* c = std::get_if<ContentStep>(&step);
    if (c == nullptr || c->negated) continue;
    if (c->fast_pattern) return c;
    if (best == nullptr || c->pattern.size() > best->pattern.size()) best = c;
  }
  return best;
}

}  // namespace

void RuleSetImpl::bucket_non_payload(uint32_t index) {
  const Rule& rule = rules_[index];
  const uint64_t src_count = address_count(rule.src);
  const uint64_t dst_count = address_count(rule.dst);
  if (std::min(src_count, dst_count) <= kNarrowAddresses) {
    // Indexed by its narrow side; a `<>` rule may see that side as either packet address.
    const bool by_src = src_count <= dst_count;
    const RangeSet<U128>& narrow = by_src ? rule.src.ranges() : rule.dst.ranges();
    if (by_src || rule.bidirectional) by_src_.add(narrow, index);
    if (!by_src || rule.bidirectional) by_dst_.add(narrow, index);
    return;
  }
  uint32_t port_count = 0;
  for (const auto& r : rule.dst_ports.ranges().ranges()) port_count += static_cast<uint32_t>(r.hi - r.lo) + 1;
  for (uint8_t cls = 0; cls < kProtoClasses; ++cls) {
    if ((rule.protos & (1u << cls)) == 0) continue;
    const bool portful = cls == kProtoClassTcp || cls == kProtoClassUdp;
    if (portful && !rule.bidirectional && !rule.dst_ports.is_any() && port_count <= kMaxBucketPorts) {
      for (const auto& r : rule.dst_ports.ranges().ranges()) {
        for (uint32_t p = r.lo; p <= r.hi; ++p) non_payload_[cls].by_dst_port[static_cast<uint16_t>(p)].push_back(index);
      }
    } else {
      non_payload_[cls].any_port.push_back(index);
    }
  }
}

Result<std::unique_ptr<RuleSetImpl>> RuleSetImpl::build(std::vector<Rule> rules, size_t flowbit_count) {
  auto impl = std::make_unique<RuleSetImpl>();
  impl->flowbit_count_ = flowbit_count;
  impl->infos_.reserve(rules.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    rules[i].info_index = static_cast<uint32_t>(i);
    impl->infos_.push_back(std::move(rules[i].info));
  }
  std::stable_sort(rules.begin(), rules.end(),
                   [](const Rule& a, const Rule& b) { return flowbit_stage(a) < flowbit_stage(b); });
  impl->rules_ = std::move(rules);

  // Identical (bytes, caseless) fast patterns share one Hyperscan id.
  std::unordered_map<std::string, unsigned> ids;
  std::vector<HsLiteral> literals;
  std::vector<std::vector<uint32_t>> rules_of;
  for (uint32_t index = 0; index < impl->rules_.size(); ++index) {
    const Rule& rule = impl->rules_[index];
    const ContentStep* fp = choose_fast_pattern(rule);
    if (fp == nullptr) {
      impl->bucket_non_payload(index);
      continue;
    }
    std::string bytes = fp->fp_length > 0 ? fp->pattern.substr(static_cast<size_t>(fp->fp_offset),
                                                               static_cast<size_t>(fp->fp_length))
                                          : fp->pattern;
    std::string key = bytes;
    key.push_back(fp->nocase ? 'i' : 'c');
    auto [it, inserted] = ids.try_emplace(std::move(key), static_cast<unsigned>(literals.size()));
    if (inserted) {
      unsigned flags = HS_FLAG_SINGLEMATCH;
      if (fp->nocase) flags |= HS_FLAG_CASELESS;
      literals.push_back({std::move(bytes), flags, it->second});
      rules_of.emplace_back();
    }
    rules_of[it->second].push_back(index);
  }
  impl->by_src_.build();
  impl->by_dst_.build();
  impl->pattern_offsets_.reserve(rules_of.size() + 1);
  impl->pattern_offsets_.push_back(0);
  for (const auto& list : rules_of) {
    impl->pattern_rules_.insert(impl->pattern_rules_.end(), list.begin(), list.end());
    impl->pattern_offsets_.push_back(static_cast<uint32_t>(impl->pattern_rules_.size()));
  }
  if (!literals.empty()) {
    auto db = HsDatabase::compile_literals(literals, HS_MODE_BLOCK);
    if (!db) return fail(db.error());
    impl->block_db_ = std::move(*db);
  }
  return impl;
}

}  // namespace vigil::rules
