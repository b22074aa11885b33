#include "threshold_table.h"

#include <limits>

#include "address_set.h"

namespace vigil::rules {

bool count_threshold(const ThresholdSpec& spec, ThresholdCounter& e, Timestamp now) {
  if (spec.type == ThresholdSpec::Type::backoff) {
    // No window: alerts on match `count`, then every time the count reaches next * multiplier.
    if (!e.used) {
      e.used = true;
      e.next_alert = spec.count;
    }
    if (e.count == std::numeric_limits<uint64_t>::max()) return false;
    if (++e.count != e.next_alert) return false;
    const uint64_t limit = std::numeric_limits<uint64_t>::max() / spec.multiplier;
    e.next_alert = e.next_alert > limit ? std::numeric_limits<uint64_t>::max() : e.next_alert * spec.multiplier;
    return true;
  }
  // A new window when the old one ran out, or when time went backwards (stitched captures).
  if (!e.used || now >= e.expires || now < e.first) {
    e.used = true;
    e.first = now;
    e.expires = now + spec.window;
    e.count = 0;
  }
  ++e.count;
  switch (spec.type) {
    case ThresholdSpec::Type::limit: return e.count <= spec.count;
    case ThresholdSpec::Type::threshold:
      if (e.count >= spec.count) {
        e.count = 0;  // the window goes on; counting starts again
        return true;
      }
      return false;
    case ThresholdSpec::Type::both: return e.count == spec.count;
    case ThresholdSpec::Type::detection_filter: return e.count > spec.count;
    case ThresholdSpec::Type::backoff: break;  // handled above
  }
  return true;
}

void ThresholdTable::prune(Timestamp now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (now >= it->second.expires || now < it->second.first) it = entries_.erase(it);
    else ++it;
  }
}

bool ThresholdTable::allow(uint32_t rule_index, const Rule& rule, const Packet& packet, Scope scope) {
  bool allowed = true;
  for (size_t i = 0; i < rule.thresholds.size(); ++i) {
    const ThresholdSpec& spec = rule.thresholds[i];
    const bool by_flow = spec.track == ThresholdSpec::Track::by_flow;
    if ((by_flow && scope == Scope::except_by_flow) || (!by_flow && scope == Scope::by_flow_only)) continue;
    if (by_flow) {
      // No flow (not tracked): nothing to count on, the match stands.
      if (packet.flow_state == nullptr) continue;
      // Keyed by (gid, sid) so a flow keeps its counts across a rule reload; RuleSetImpl moves the
      // info strings out of Rule, but gid and sid stay.
      const uint64_t key = (uint64_t{rule.info.gid} << 40) ^ (uint64_t{rule.info.sid} << 8) ^ i;
      if (!count_threshold(spec, packet.flow_state->threshold_counter(key), packet.timestamp)) allowed = false;
      continue;
    }
    Key key;
    key.rule = rule_index;
    key.spec = static_cast<uint8_t>(i);
    switch (spec.track) {
      case ThresholdSpec::Track::by_src: key.a = to_u128(packet.src); break;
      case ThresholdSpec::Track::by_dst: key.a = to_u128(packet.dst); break;
      case ThresholdSpec::Track::by_both:
        key.a = to_u128(packet.src);
        key.b = to_u128(packet.dst);
        break;
      case ThresholdSpec::Track::by_rule:
      case ThresholdSpec::Track::by_flow: break;
    }
    if (entries_.size() > kPruneAbove) prune(packet.timestamp);
    if (!count_threshold(spec, entries_[key], packet.timestamp)) allowed = false;
  }
  return allowed;
}

}  // namespace vigil::rules
