#include "vigil/sensors/ip_defragmenter.h"

#include <algorithm>

namespace vigil::sensors {
namespace {

// Suricata's decoder event names where it has one, so rule admins recognise them.
struct Kinds {
  std::string_view overlap;
  std::string_view too_large;
  std::string_view too_many;
  std::string_view invalid_length;
};
constexpr Kinds kIpv4Kinds{"ipv4.frag_overlap", "ipv4.frag_pkt_too_large", "ipv4.frag_too_many",
                           "ipv4.frag_invalid_length"};
constexpr Kinds kIpv6Kinds{"ipv6.frag_overlap", "ipv6.frag_pkt_too_large", "ipv6.frag_too_many",
                           "ipv6.frag_invalid_length"};

// Bookkeeping charged against the memory cap besides the data itself (map node, list node,
// index entry): an estimate that keeps a flood of tiny fragments from looking free.
constexpr size_t kDatagramOverhead = 256;
constexpr size_t kPieceOverhead = 64;

uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

}  // namespace

size_t IpDefragmenter::KeyHash::operator()(const Key& key) const {
  uint64_t h = key.id;
  for (uint8_t b : key.src.bytes()) h = mix(h, b);
  for (uint8_t b : key.dst.bytes()) h = mix(h, b);
  h = mix(h, (static_cast<uint64_t>(key.proto) << 8) | key.version);
  return static_cast<size_t>(h);
}

IpDefragmenter::IpDefragmenter(DefragOptions options) : options_(options) {}
IpDefragmenter::~IpDefragmenter() = default;

void IpDefragmenter::advance_time(Timestamp now) {
  now_ = std::max(now_, now);
  expire(now_);
}

void IpDefragmenter::expire(Timestamp now) {
  while (!datagrams_.empty() && datagrams_.front().first_seen + options_.timeout <= now) {
    ++stats_.timed_out;
    drop(datagrams_.begin());
  }
}

void IpDefragmenter::drop(List::iterator it) {
  stats_.memory -= it->memory;
  index_.erase(it->key);
  datagrams_.erase(it);
  stats_.active = datagrams_.size();
}

// First wins: only the parts of [offset, offset + size) that no held piece covers are stored.
bool IpDefragmenter::insert(Datagram& datagram, uint32_t offset, std::span<const uint8_t> data) {
  const uint32_t end = offset + static_cast<uint32_t>(data.size());
  bool overlapped = false;
  uint32_t pos = offset;
  auto it = datagram.pieces.upper_bound(offset);
  if (it != datagram.pieces.begin()) --it;
  auto store = [&](uint32_t from, uint32_t to) {
    if (from >= to) return;
    datagram.pieces.emplace(from, std::vector<uint8_t>(data.begin() + (from - offset), data.begin() + (to - offset)));
    datagram.held += to - from;
    datagram.memory += (to - from) + kPieceOverhead;
    stats_.memory += (to - from) + kPieceOverhead;
  };
  while (pos < end && it != datagram.pieces.end()) {
    const uint32_t piece_start = it->first;
    const uint32_t piece_end = piece_start + static_cast<uint32_t>(it->second.size());
    ++it;  // advance before store() may insert in front of the next piece
    if (piece_end <= pos) continue;
    if (piece_start >= end) break;
    overlapped = true;
    store(pos, std::min(piece_start, end));
    pos = std::max(pos, piece_end);
  }
  store(pos, end);
  return overlapped;
}

std::optional<Reassembled> IpDefragmenter::add(const DecodeResult& result, const rules::Packet& packet,
                                               std::vector<std::string_view>& anomalies) {
  const FragmentInfo& f = result.fragment;
  const bool v6 = packet.ip_version == 6;
  const Kinds& kinds = v6 ? kIpv6Kinds : kIpv4Kinds;
  ++stats_.fragments;
  now_ = std::max(now_, packet.timestamp);
  expire(now_);

  const Key key{packet.src, packet.dst, f.id, f.proto, packet.ip_version};
  auto found = index_.find(key);
  auto drop_datagram = [&](std::string_view kind) {
    anomalies.push_back(kind);
    if (found != index_.end()) {
      ++stats_.dropped;
      drop(found->second);
    }
    return std::nullopt;
  };

  // IPv4 total length and IPv6 payload length are 16 bits; the unfragmentable part counts too.
  const size_t header_room = v6 ? f.header.size() - 40 : f.header.size();
  const size_t end = static_cast<size_t>(f.offset) + f.data.size();
  if (end + header_room > 65535) return drop_datagram(kinds.too_large);
  // Every fragment but the last carries a multiple of 8 bytes (RFC 791, RFC 8200).
  if (f.more && f.data.size() % 8 != 0) {
    anomalies.push_back(kinds.invalid_length);
    return std::nullopt;
  }

  if (found == index_.end()) {
    Datagram datagram;
    datagram.key = key;
    datagram.first_seen = now_;
    datagram.memory = kDatagramOverhead;
    stats_.memory += kDatagramOverhead;
    datagrams_.push_back(std::move(datagram));
    found = index_.emplace(key, std::prev(datagrams_.end())).first;
    stats_.active = datagrams_.size();
  }
  Datagram& datagram = *found->second;
  if (++datagram.fragments > options_.max_fragments) return drop_datagram(kinds.too_many);

  // Make room: the oldest other datagrams go first.
  const size_t need = f.data.size() + kPieceOverhead + (f.offset == 0 ? f.header.size() : 0);
  while (stats_.memory + need > options_.memory_cap && datagrams_.begin() != found->second) {
    ++stats_.evicted;
    drop(datagrams_.begin());
  }
  if (stats_.memory + need > options_.memory_cap) {  // this datagram alone is over the cap
    ++stats_.evicted;
    drop(found->second);
    return std::nullopt;
  }

  bool overlapped = false;
  if (!f.more) {
    if (datagram.total && *datagram.total != end) {
      overlapped = true;  // a second, different end: the first one stands
    } else {
      datagram.total = static_cast<uint32_t>(end);
    }
  }
  std::span<const uint8_t> data = f.data;
  uint32_t offset = f.offset;
  if (datagram.total && end > *datagram.total) {  // bytes past the end are ignored
    overlapped = true;
    data = offset >= *datagram.total ? data.first(0) : data.first(*datagram.total - offset);
  }
  if (f.offset == 0 && datagram.header.empty()) {
    datagram.header.assign(f.header.begin(), f.header.end());
    datagram.next_header_at = f.next_header_at;
    datagram.memory += f.header.size();
    stats_.memory += f.header.size();
  }
  if (insert(datagram, offset, data)) overlapped = true;
  if (overlapped) {
    ++stats_.overlaps;
    anomalies.push_back(kinds.overlap);
  }

  if (!datagram.total || datagram.header.empty() || datagram.held < *datagram.total) return std::nullopt;
  uint32_t pos = 0;
  for (const auto& [start, bytes] : datagram.pieces) {
    if (start != pos) return std::nullopt;  // a hole
    pos += static_cast<uint32_t>(bytes.size());
  }
  if (pos < *datagram.total) return std::nullopt;
  Reassembled whole = build(datagram, packet.timestamp);
  ++stats_.reassembled;
  drop(found->second);
  return whole;
}

const Reassembled& IpDefragmenter::build(const Datagram& datagram, Timestamp ts) {
  out_ = datagram.header;
  for (const auto& [start, bytes] : datagram.pieces) out_.insert(out_.end(), bytes.begin(), bytes.end());
  if (datagram.key.version == 4) {
    const size_t total = out_.size();
    out_[2] = static_cast<uint8_t>(total >> 8);
    out_[3] = static_cast<uint8_t>(total & 0xff);
    out_[6] &= 0x40;  // keep DF, clear MF and the offset
    out_[7] = 0;
  } else {
    // Drop the fragment header: the byte that named it now names what it carried.
    out_[datagram.next_header_at] = datagram.key.proto;
    const size_t payload = out_.size() - 40;
    out_[4] = static_cast<uint8_t>(payload >> 8);
    out_[5] = static_cast<uint8_t>(payload & 0xff);
  }
  reassembled_.ip_version = datagram.key.version;
  reassembled_.datagram.ts = ts;
  reassembled_.datagram.data = out_.data();
  reassembled_.datagram.caplen = static_cast<uint32_t>(out_.size());
  reassembled_.datagram.wire_len = static_cast<uint32_t>(out_.size());
  return reassembled_;
}

}  // namespace vigil::sensors
