#include "schema.h"

#include <charconv>
#include <limits>

namespace vigil::storage::schema {
namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;

void put_big_endian(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

void put_big_endian32(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

// A day number as 4 bytes in sort order; days fit in 32 bits for ±5.8 million years.
void put_day(std::string& out, int64_t day) {
  put_big_endian32(out, static_cast<uint32_t>(static_cast<int32_t>(day)) ^ 0x80000000u);
}

}  // namespace

std::string big_endian(uint64_t value) {
  std::string out;
  out.reserve(8);
  put_big_endian(out, value);
  return out;
}

uint64_t read_big_endian(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8; ++i) {
    value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  }
  return value;
}

std::string flipped_time(Timestamp timestamp) { return big_endian(static_cast<uint64_t>(timestamp) ^ kSignBit); }

std::string event_ref_key(Timestamp timestamp, uint64_t seq) {
  std::string key;
  key.reserve(kEventRefSize);
  put_big_endian(key, static_cast<uint64_t>(timestamp) ^ kSignBit);
  put_big_endian(key, seq);
  return key;
}

std::optional<EventRef> parse_event_ref_key(std::string_view key) {
  if (key.size() != kEventRefSize) {
    return std::nullopt;
  }
  return EventRef{static_cast<Timestamp>(read_big_endian(key.substr(0, 8)) ^ kSignBit),
                  read_big_endian(key.substr(8, 8))};
}

char event_class(EventType type) {
  switch (type) {
    case EventType::alert: return 'a';
    case EventType::flow: return 'f';
    case EventType::anomaly: return 'n';
    case EventType::stats: return 's';
    case EventType::http: return 'h';
    case EventType::dns: return 'd';
    case EventType::tls: return 't';
    case EventType::ssh: return 'c';
  }
  return '?';
}

bool is_flow_class(EventType type) { return type != EventType::alert && type != EventType::anomaly; }

std::string event_key(EventType type, Timestamp timestamp, uint64_t seq) {
  std::string key(1, event_class(type));
  key += event_ref_key(timestamp, seq);
  return key;
}

int64_t day_of(Timestamp timestamp) {
  int64_t day = timestamp / kMicrosPerDay;
  if (timestamp % kMicrosPerDay < 0) --day;  // floor, not truncation, for times before 1970
  return day;
}

Timestamp day_start(int64_t day) { return day * kMicrosPerDay; }

int64_t posting_bucket(Timestamp timestamp) {
  int64_t bucket = timestamp / kPostingBucketMicros;
  if (timestamp % kPostingBucketMicros < 0) --bucket;
  return bucket;
}

Timestamp posting_bucket_start(int64_t bucket) {
  // The first bucket starts before the smallest time; it starts at that time instead.
  constexpr int64_t kFirstWhole = std::numeric_limits<Timestamp>::min() / kPostingBucketMicros;
  return bucket < kFirstWhole ? std::numeric_limits<Timestamp>::min() : bucket * kPostingBucketMicros;
}

std::string event_day_prefix(EventType type, int64_t day) {
  std::string key{'e', event_class(type)};
  put_day(key, day);
  return key;
}

std::string event_index_prefix(EventType type, int64_t day, EventIndex kind, std::string_view value) {
  std::string key = event_day_prefix(type, day);
  key.push_back(static_cast<char>(kind));
  key.push_back(static_cast<char>(value.size() > 255 ? 255 : value.size()));
  key.append(value.substr(0, 255));
  return key;
}

std::string posting_list_key(std::string_view prefix, std::string_view postings) {
  // FNV-1a: cheap, and only lists with the same prefix and first ref need to differ; two lists
  // with the same contents may share a key (replacing one with the other loses nothing).
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : postings) {
    hash = (hash ^ static_cast<uint8_t>(c)) * 0x100000001b3ULL;
  }
  std::string key;
  key.reserve(prefix.size() + kEventRefSize + kPostingHashSize);
  key.append(prefix);
  key.append(postings.substr(0, kEventRefSize));
  put_big_endian(key, hash);
  return key;
}

std::string ip_value(const IpAddress& ip) {
  const auto& bytes = ip.bytes();
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::string sid_value(uint32_t signature_id) {
  std::string out;
  put_big_endian32(out, signature_id);
  return out;
}

std::string incident_index_prefix(IncidentIndex kind, std::string_view value) {
  std::string key{'i', static_cast<char>(kind)};
  key.push_back(static_cast<char>(value.size() > 255 ? 255 : value.size()));
  key.append(value.substr(0, 255));
  return key;
}

std::string incident_index_suffix(Timestamp first_seen, std::string_view id) {
  std::string out = flipped_time(first_seen);
  out.append(id);
  return out;
}

std::string state_value(IncidentState state) { return std::string(to_string(state)); }
std::string severity_value(Severity severity) { return std::string(to_string(severity)); }
std::string layer_value(int layer) { return std::to_string(layer); }

std::vector<std::string> incident_index_keys(const Incident& incident) {
  const std::string suffix = incident_index_suffix(incident.first_seen, incident.id);
  return {incident_index_prefix(IncidentIndex::time, "") + suffix,
          incident_index_prefix(IncidentIndex::state, state_value(incident.state)) + suffix,
          incident_index_prefix(IncidentIndex::severity, severity_value(incident.severity)) + suffix,
          incident_index_prefix(IncidentIndex::layer, layer_value(incident.layer)) + suffix,
          incident_index_prefix(IncidentIndex::assignee, incident.assignee) + suffix};
}

std::string audit_key(uint64_t seq) { return big_endian(seq); }

std::optional<uint64_t> parse_audit_key(std::string_view key) {
  if (key.size() != 8) return std::nullopt;
  return read_big_endian(key);
}

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<uint8_t>(end.back()) == 0xff) {
    end.pop_back();
  }
  if (!end.empty()) {
    end.back() = static_cast<char>(static_cast<uint8_t>(end.back()) + 1);
  }
  return end;  // empty: no upper bound
}

std::string format_counter(uint64_t value) { return std::to_string(value); }

std::optional<uint64_t> parse_counter(std::string_view text) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return std::nullopt;
  }
  return value;
}

}  // namespace vigil::storage::schema
