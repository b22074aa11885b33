#include "threshold_table.h"

#include "address_set.h"

namespace vigil::rules {

bool ThresholdTable::count(const ThresholdSpec& spec, Entry& e, Timestamp now) {
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
  }
  return true;
}

void ThresholdTable::prune(Timestamp now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (now >= it->second.expires || now < it->second.first) it = entries_.erase(it);
    else ++it;
  }
}

bool ThresholdTable::allow(uint32_t rule_index, const Rule& rule, const Packet& packet) {
  bool allowed = true;
  for (size_t i = 0; i < rule.thresholds.size(); ++i) {
    const ThresholdSpec& spec = rule.thresholds[i];
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
      case ThresholdSpec::Track::by_rule: break;
    }
    if (entries_.size() > kPruneAbove) prune(packet.timestamp);
    if (!count(spec, entries_[key], packet.timestamp)) allowed = false;
  }
  return allowed;
}

}  // namespace vigil::rules
