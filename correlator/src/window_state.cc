#include "window_state.h"

#include <limits>

namespace vigil::correlator {

namespace {

constexpr uint8_t kVersion = 1;
// Restored windows were pruned when saved; nothing is cut while reading them back.
constexpr Timestamp kNoCutoff = std::numeric_limits<Timestamp>::min();

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}
void put_signed(std::string& out, int64_t v) {
  put_varint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}
void put_string(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

// Times are written as differences from the previous one: windows hold close times, so most fit 2-4 bytes.
class TimeWriter {
 public:
  explicit TimeWriter(std::string& out) : out_(out) {}
  void put(Timestamp t) {
    put_signed(out_, static_cast<int64_t>(static_cast<uint64_t>(t) - static_cast<uint64_t>(last_)));
    last_ = t;
  }
  void put_ref(const EventRef& ref) {
    put(ref.timestamp);
    put_varint(out_, ref.seq);
  }

 private:
  std::string& out_;
  Timestamp last_ = 0;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return false;
      auto byte = static_cast<uint8_t>(in_[pos_++]);
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return true;
    }
    return false;
  }
  bool signed_varint(int64_t& v) {
    uint64_t u = 0;
    if (!varint(u)) return false;
    v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
    return true;
  }
  bool string(std::string& s) {
    uint64_t n = 0;
    if (!varint(n) || n > in_.size() - pos_) return false;
    s.assign(in_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool byte(uint8_t& b) {
    if (pos_ >= in_.size()) return false;
    b = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool time(Timestamp& t) {
    int64_t delta = 0;
    if (!signed_varint(delta)) return false;
    t = static_cast<Timestamp>(static_cast<uint64_t>(last_) + static_cast<uint64_t>(delta));
    last_ = t;
    return true;
  }
  bool ref(EventRef& r) { return time(r.timestamp) && varint(r.seq); }
  // A count read from the input can never exceed the bytes left: bounds allocations on damaged input.
  bool count(uint64_t& n) { return varint(n) && n <= in_.size() - pos_ + 1; }
  bool done() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  Timestamp last_ = 0;
};

uint64_t fnv1a(uint64_t h, std::string_view s) {
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ULL;
  }
  return h ^ 0xff;  // a separator so ("ab","c") and ("a","bc") differ
}

Error damaged(std::string_view what) { return Error{ErrorCode::parse_error, "damaged correlation state: " + std::string(what)}; }

}  // namespace

std::string window_shard_key(std::string_view rule_id, size_t shard) {
  return "correlator.window." + std::string(rule_id) + "." + std::to_string(shard);
}

uint64_t window_fingerprint(const CorrelationRule& rule) {
  uint64_t h = 1469598103934665603ULL;
  h = fnv1a(h, to_string(rule.type));
  h = fnv1a(h, std::to_string(rule.timespan));
  for (const auto& field : rule.group_by) h = fnv1a(h, field);
  h = fnv1a(h, "|");
  h = fnv1a(h, rule.condition.to_string());
  h = fnv1a(h, rule.value_field);
  for (const auto& member : rule.member_rules) h = fnv1a(h, member);
  return h;
}

std::string encode_manifest(const WindowManifest& manifest) {
  std::string out;
  out += static_cast<char>(kVersion);
  put_signed(out, manifest.watermark);
  put_varint(out, manifest.rules.size());
  for (const auto& rule : manifest.rules) {
    put_string(out, rule.id);
    put_varint(out, rule.fingerprint);
    put_varint(out, rule.shards.size());
    for (uint32_t shard : rule.shards) put_varint(out, shard);
  }
  return out;
}

Result<WindowManifest> decode_manifest(std::string_view bytes) {
  Reader in(bytes);
  uint8_t version = 0;
  if (!in.byte(version) || version != kVersion) return fail(damaged("unknown manifest version"));
  WindowManifest manifest;
  uint64_t rules = 0;
  if (!in.signed_varint(manifest.watermark) || !in.count(rules)) return fail(damaged("manifest header"));
  for (uint64_t i = 0; i < rules; ++i) {
    WindowManifest::Rule rule;
    uint64_t shards = 0;
    if (!in.string(rule.id) || !in.varint(rule.fingerprint) || !in.count(shards)) return fail(damaged("manifest rule"));
    for (uint64_t s = 0; s < shards; ++s) {
      uint64_t shard = 0;
      if (!in.varint(shard) || shard >= GroupTable::kShards) return fail(damaged("manifest shard"));
      rule.shards.push_back(static_cast<uint32_t>(shard));
    }
    manifest.rules.push_back(std::move(rule));
  }
  if (!in.done()) return fail(damaged("trailing bytes in manifest"));
  return manifest;
}

std::string encode_shard(const GroupTable::Shard& shard, WindowKind kind) {
  std::string out;
  out += static_cast<char>(kVersion);
  out += static_cast<char>(kind);
  put_varint(out, shard.size());
  TimeWriter times(out);
  for (const GroupTable::Entry* entry : shard) {
    const std::string& key = entry->key;
    const GroupWindow& group = entry->window;
    put_string(out, key);
    times.put(group.newest);
    times.put(group.touched_watermark);
    if (const auto* count = std::get_if<CountWindow>(&group.window)) {
      auto refs = count->refs();
      put_varint(out, refs.size());
      for (const auto& ref : refs) times.put_ref(ref);
    } else if (const auto* distinct = std::get_if<DistinctWindow>(&group.window)) {
      const auto entries = distinct->entries();
      put_varint(out, entries.size());
      for (const auto& [ref, value] : entries) {
        put_string(out, value);
        times.put_ref(ref);
      }
    } else if (const auto* interval = std::get_if<IntervalWindow>(&group.window)) {
      put_varint(out, interval->count());
      put_varint(out, interval->capacity());
      for (const auto& kept : interval->entries()) {
        times.put_ref(kept.ref);
        times.put(kept.start);
      }
    } else if (const auto* temporal = std::get_if<TemporalWindow>(&group.window)) {
      put_varint(out, temporal->slots().size());
      for (const auto& slot : temporal->slots()) {
        out += static_cast<char>(slot.set ? 1 : 0);
        if (!slot.set) continue;
        times.put(slot.start);
        put_varint(out, slot.chain.size());
        for (const auto& ref : slot.chain) times.put_ref(ref);
      }
    }
  }
  return out;
}

Result<std::vector<std::pair<std::string, GroupWindow>>> decode_shard(std::string_view bytes, WindowKind kind) {
  Reader in(bytes);
  uint8_t version = 0;
  uint8_t stored_kind = 0;
  if (!in.byte(version) || version != kVersion) return fail(damaged("unknown window version"));
  if (!in.byte(stored_kind) || stored_kind != static_cast<uint8_t>(kind)) return fail(damaged("window kind changed"));
  uint64_t groups = 0;
  if (!in.count(groups)) return fail(damaged("group count"));
  std::vector<std::pair<std::string, GroupWindow>> out;
  out.reserve(groups);
  for (uint64_t g = 0; g < groups; ++g) {
    std::string key;
    GroupWindow group;
    uint64_t n = 0;
    if (!in.string(key) || !in.time(group.newest) || !in.time(group.touched_watermark) || !in.count(n)) {
      return fail(damaged("group header"));
    }
    switch (kind) {
      case WindowKind::count: {
        CountWindow window;
        for (uint64_t i = 0; i < n; ++i) {
          EventRef ref;
          if (!in.ref(ref)) return fail(damaged("count window"));
          window.add(ref, kNoCutoff);
        }
        group.window = std::move(window);
        break;
      }
      case WindowKind::distinct: {
        DistinctWindow window;
        for (uint64_t i = 0; i < n; ++i) {
          std::string value;
          EventRef ref;
          if (!in.string(value) || !in.ref(ref)) return fail(damaged("distinct window"));
          window.add(ref, value, kNoCutoff);
        }
        group.window = std::move(window);
        break;
      }
      case WindowKind::interval: {
        uint64_t capacity = 0;
        if (!in.varint(capacity) || capacity == 0 || capacity < n) return fail(damaged("interval window"));
        IntervalWindow window(capacity);
        for (uint64_t i = 0; i < n; ++i) {
          EventRef ref;
          Timestamp start = 0;
          if (!in.ref(ref) || !in.time(start)) return fail(damaged("interval window"));
          window.add(ref, start, kNoCutoff);
        }
        group.window = std::move(window);
        break;
      }
      case WindowKind::temporal: {
        TemporalWindow window(n);
        for (auto& slot : window.slots()) {
          uint8_t set = 0;
          uint64_t chain = 0;
          if (!in.byte(set)) return fail(damaged("temporal window"));
          if (!set) continue;
          slot.set = true;
          if (!in.time(slot.start) || !in.count(chain)) return fail(damaged("temporal window"));
          for (uint64_t i = 0; i < chain; ++i) {
            EventRef ref;
            if (!in.ref(ref)) return fail(damaged("temporal window"));
            slot.chain.push_back(ref);
          }
        }
        group.window = std::move(window);
        break;
      }
    }
    out.emplace_back(std::move(key), std::move(group));
  }
  if (!in.done()) return fail(damaged("trailing bytes in window"));
  return out;
}

}  // namespace vigil::correlator
