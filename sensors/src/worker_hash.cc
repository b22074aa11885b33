#include "worker_hash.h"

#include <algorithm>
#include <cstring>

#include "vigil/sensors/decoder.h"
#include "mix64.h"

namespace vigil::sensors {
namespace {

constexpr int kMaxVlanTags = 8;

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

// Offset of the IP header, or -1 when the frame carries none we can see.
long ip_offset(int link_type, const uint8_t* d, size_t len) {
  size_t offset = 0;
  uint16_t type = 0;
  switch (link_type) {
    case kLinkEthernet:
      if (len < 14) return -1;
      type = be16(d + 12);
      offset = 14;
      break;
    case kLinkLinuxSll:
      if (len < 16) return -1;
      type = be16(d + 14);
      offset = 16;
      break;
    case kLinkLinuxSll2:
      if (len < 20) return -1;
      type = be16(d);
      offset = 20;
      break;
    case kLinkCiscoHdlc:
      if (len < 4) return -1;
      type = be16(d + 2);
      offset = 4;
      break;
    case kLinkRaw:
    case kLinkRawDlt12:
    case kLinkRawDlt14:
    case kLinkIpv4:
    case kLinkIpv6: return 0;
    case kLinkNull:
    case kLinkLoop: return len >= 4 ? 4 : -1;
    case kLinkPpp: {
      if (len >= 2 && d[0] == 0xff && d[1] == 0x03) offset = 2;
      if (offset >= len) return -1;
      if (d[offset] & 0x01) return static_cast<long>(offset + 1);
      return static_cast<long>(offset + 2);
    }
    default: return -1;
  }
  for (int tags = 0; (type == 0x8100 || type == 0x88a8 || type == 0x9100) && tags < kMaxVlanTags; ++tags) {
    if (offset + 4 > len) return -1;
    type = be16(d + offset + 2);
    offset += 4;
  }
  if (type != 0x0800 && type != 0x86dd) return -1;
  return static_cast<long>(offset);
}

uint64_t fold(const uint8_t* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

}  // namespace

size_t worker_for(int link_type, const RawPacket& raw, size_t workers) {
  if (workers <= 1 || raw.data == nullptr) return 0;
  const long at = ip_offset(link_type, raw.data, raw.caplen);
  if (at < 0) return 0;
  const uint8_t* ip = raw.data + at;
  const size_t len = raw.caplen - static_cast<size_t>(at);
  if (len < 1) return 0;
  const uint8_t* a = nullptr;
  const uint8_t* b = nullptr;
  size_t n = 0;
  if ((ip[0] >> 4) == 4 && len >= 20) {
    a = ip + 12;
    b = ip + 16;
    n = 4;
  } else if ((ip[0] >> 4) == 6 && len >= 40) {
    a = ip + 8;
    b = ip + 24;
    n = 16;
  } else {
    return 0;
  }
  if (std::memcmp(a, b, n) > 0) std::swap(a, b);  // symmetric: both directions hash alike
  const uint64_t h = mix64(fold(a, n) ^ mix64(fold(b, n)));
  return static_cast<size_t>(h % workers);
}

}  // namespace vigil::sensors
