#include "schema.h"

#include <charconv>
#include <cstdio>

namespace vigil::storage::schema {
namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;

void put_big_endian(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

uint64_t get_big_endian(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8; ++i) {
    value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  }
  return value;
}

}  // namespace

std::string event_key(Timestamp timestamp, uint64_t seq) {
  std::string key;
  key.reserve(kEventKeySize);
  put_big_endian(key, static_cast<uint64_t>(timestamp) ^ kSignBit);
  put_big_endian(key, seq);
  return key;
}

std::optional<EventRef> parse_event_key(std::string_view key) {
  if (key.size() != kEventKeySize) {
    return std::nullopt;
  }
  return EventRef{static_cast<Timestamp>(get_big_endian(key.substr(0, 8)) ^ kSignBit),
                  get_big_endian(key.substr(8, 8))};
}

std::string sid_index_prefix(uint32_t signature_id) {
  char digits[11];
  std::snprintf(digits, sizeof digits, "%010u", signature_id);
  return std::string("sid|") + digits + "|";
}

std::string type_index_prefix(EventType type) { return "type|" + std::string(to_string(type)) + "|"; }

std::string src_index_prefix(const IpAddress& ip) { return "src|" + ip.to_string() + "|"; }

std::string dst_index_prefix(const IpAddress& ip) { return "dst|" + ip.to_string() + "|"; }

std::string incident_events_prefix(std::string_view incident_id) {
  return "inc|" + std::string(incident_id) + "|";
}

std::string state_index_prefix(IncidentState state) { return "state|" + std::string(to_string(state)) + "|"; }

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
