#include "ip_options.h"

#include "rule.h"

namespace vigil::rules {
namespace {

// Option type numbers (IANA "IP Option Numbers").
constexpr uint8_t kEol = 0;
constexpr uint8_t kNop = 1;
constexpr uint8_t kRr = 7;
constexpr uint8_t kQs = 25;
constexpr uint8_t kTs = 68;
constexpr uint8_t kSec = 130;
constexpr uint8_t kLsrr = 131;
constexpr uint8_t kEsec = 133;
constexpr uint8_t kCipso = 134;
constexpr uint8_t kSatid = 136;
constexpr uint8_t kSsrr = 137;
constexpr uint8_t kRtralt = 148;

// Route options (RR, LSRR, SSRR): the 1-based pointer sits after type, length and itself, moves in
// 4-byte steps and may point at most one past the end (RFC 791).
bool valid_route(const uint8_t* opt, uint8_t len) {
  if (len < 3) return false;
  const uint8_t ptr = opt[2];
  return ptr >= 4 && ptr % 4 == 0 && ptr <= len + 1;
}

// Timestamp: records of 4 bytes, or 8 when each carries an address (flag 1 or 3).
bool valid_timestamp(const uint8_t* opt, uint8_t len) {
  if (len < 5) return false;
  const uint8_t ptr = opt[2];
  if (ptr < 5) return false;
  const uint8_t flag = opt[3] & 0x0f;
  const int record = (flag == 1 || flag == 3) ? 8 : 4;
  return (ptr - 5) % record == 0 && ptr <= len + 1;
}

uint16_t bit_of(const uint8_t* opt, uint8_t len) {
  switch (opt[0]) {
    case kRr: return valid_route(opt, len) ? kIpOptRr : 0;
    case kLsrr: return valid_route(opt, len) ? kIpOptLsrr : 0;
    case kSsrr: return valid_route(opt, len) ? kIpOptSsrr : 0;
    case kTs: return valid_timestamp(opt, len) ? kIpOptTs : 0;
    case kQs: return len >= 8 ? kIpOptQs : 0;
    case kSec: return len >= 3 ? kIpOptSec : 0;  // RFC 1108 basic security: variable length
    case kEsec: return len >= 3 ? kIpOptEsec : 0;
    case kSatid: return len == 4 ? kIpOptSatid : 0;
    case kCipso: return len >= 10 ? kIpOptCipso : 0;
    case kRtralt: return len == 4 ? kIpOptRtralt : 0;
    default: return 0;  // unknown option: Suricata raises a decoder event and goes on
  }
}

}  // namespace

uint16_t ipv4_option_bits(std::string_view ip_header) {
  if (ip_header.size() <= 20 || (static_cast<uint8_t>(ip_header[0]) >> 4) != 4) return 0;
  const auto* p = reinterpret_cast<const uint8_t*>(ip_header.data()) + 20;
  size_t left = ip_header.size() - 20;
  uint16_t bits = 0;
  uint16_t seen = 0;  // a repeated option is a decoder event; only its first copy counts
  while (left > 0) {
    if (p[0] == kEol) return static_cast<uint16_t>(bits | kIpOptEol);
    if (p[0] == kNop) {
      bits |= kIpOptNop;
      ++p;
      --left;
      continue;
    }
    if (left < 2) break;  // padding without EOL
    const uint8_t len = p[1];
    if (len < 2 || len > left) return 0;  // the header is invalid: Suricata drops its decoding
    const uint16_t bit = bit_of(p, len);
    if ((seen & bit) == 0) bits |= bit;
    seen |= bit;
    p += len;
    left -= len;
  }
  return bits;
}

std::optional<uint16_t> ip_option_by_name(std::string_view name) {
  struct Named {
    std::string_view name;
    uint16_t bit;
  };
  static constexpr Named kNames[] = {{"rr", kIpOptRr},     {"eol", kIpOptEol},   {"nop", kIpOptNop},
                                     {"ts", kIpOptTs},     {"sec", kIpOptSec},   {"esec", kIpOptEsec},
                                     {"lsrr", kIpOptLsrr}, {"ssrr", kIpOptSsrr}, {"satid", kIpOptSatid},
                                     {"any", kIpOptAny}};
  for (const Named& n : kNames) {
    if (n.name == name) return n.bit;
  }
  return std::nullopt;
}

}  // namespace vigil::rules
