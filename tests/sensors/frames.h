// Test helpers for the sensors tests: build frames byte by byte (Ethernet, VLAN, IPv4/IPv6,
// TCP/UDP/ICMP), write them to pcap files with libpcap, and record emitted events.
// Thread contract: test code, one thread.
#pragma once

#include <pcap/pcap.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/core/interfaces.h"
#include "vigil/core/ip.h"
#include "vigil/sensors/packet_source.h"

namespace vigil::sensors::test {

using Bytes = std::vector<uint8_t>;

inline void put8(Bytes& b, uint8_t v) { b.push_back(v); }
inline void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v & 0xff));
}
inline void put32(Bytes& b, uint32_t v) {
  put16(b, static_cast<uint16_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v & 0xffff));
}
inline void append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }
inline Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) append(out, p);
  return out;
}

inline IpAddress ip(std::string_view s) { return IpAddress::parse(s).value(); }
inline Bytes v4_bytes(std::string_view s) {
  const IpAddress address = ip(s);
  const auto& b = address.bytes();
  return Bytes(b.begin() + 12, b.end());
}
inline Bytes v6_bytes(std::string_view s) {
  const IpAddress address = ip(s);
  const auto& b = address.bytes();
  return Bytes(b.begin(), b.end());
}

struct Ip4Spec {
  std::string src = "10.0.0.1";
  std::string dst = "10.0.0.2";
  uint8_t ttl = 64;
  uint16_t id = 0x1234;
  uint16_t frag = 0;  // flags (0x2000 = more fragments) | offset in 8-byte units
  Bytes options;      // multiple of 4 bytes
};

inline Bytes ipv4(const Ip4Spec& spec, uint8_t proto, const Bytes& body) {
  Bytes b;
  const size_t header_len = 20 + spec.options.size();
  put8(b, static_cast<uint8_t>(0x40 | (header_len / 4)));
  put8(b, 0);
  put16(b, static_cast<uint16_t>(header_len + body.size()));
  put16(b, spec.id);
  put16(b, spec.frag);
  put8(b, spec.ttl);
  put8(b, proto);
  put16(b, 0);  // checksum: not verified by the decoder
  append(b, v4_bytes(spec.src));
  append(b, v4_bytes(spec.dst));
  append(b, spec.options);
  append(b, body);
  return b;
}
inline Bytes ipv4(uint8_t proto, const Bytes& body, std::string src = "10.0.0.1", std::string dst = "10.0.0.2") {
  Ip4Spec spec;
  spec.src = std::move(src);
  spec.dst = std::move(dst);
  return ipv4(spec, proto, body);
}

// `body` holds the extension headers (if any) and the transport segment.
inline Bytes ipv6(uint8_t next, const Bytes& body, std::string_view src = "2001:db8::1",
                  std::string_view dst = "2001:db8::2", uint8_t hop_limit = 64) {
  Bytes b;
  put32(b, 0x60000000);
  put16(b, static_cast<uint16_t>(body.size()));
  put8(b, next);
  put8(b, hop_limit);
  append(b, v6_bytes(src));
  append(b, v6_bytes(dst));
  append(b, body);
  return b;
}

// Generic IPv6 extension header (hop-by-hop, routing, destination options) of 8 * (1 + units) bytes.
inline Bytes ipv6_ext(uint8_t next, uint8_t units = 0) {
  Bytes b{next, units};
  b.resize(8 * (1 + static_cast<size_t>(units)), 0);
  b[2] = 1;  // one PadN option filling the header
  b[3] = static_cast<uint8_t>(b.size() - 4);
  return b;
}
inline Bytes ipv6_frag(uint8_t next, uint16_t offset_units, bool more, uint32_t ident = 0xabcd) {
  Bytes b{next, 0};
  put16(b, static_cast<uint16_t>((offset_units << 3) | (more ? 1 : 0)));
  put32(b, ident);
  return b;
}
inline Bytes ipv6_ah(uint8_t next) {  // 12 bytes of ICV: payload length field = (24 / 4) - 2
  Bytes b{next, 4, 0, 0};
  put32(b, 0x100);  // SPI
  put32(b, 1);      // sequence
  b.resize(24, 0);
  return b;
}

inline Bytes tcp(uint16_t sport, uint16_t dport, uint8_t flags, const Bytes& payload = {}, const Bytes& options = {},
                 uint32_t seq = 1000, uint32_t ack = 0) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put32(b, seq);
  put32(b, ack);
  const size_t header_len = 20 + options.size();
  put8(b, static_cast<uint8_t>((header_len / 4) << 4));
  put8(b, flags);
  put16(b, 65535);
  put16(b, 0);
  put16(b, 0);
  append(b, options);
  append(b, payload);
  return b;
}

inline Bytes udp(uint16_t sport, uint16_t dport, const Bytes& payload = {}) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put16(b, static_cast<uint16_t>(8 + payload.size()));
  put16(b, 0);
  append(b, payload);
  return b;
}

inline Bytes icmp(uint8_t type, uint8_t code, uint16_t id, uint16_t seq, const Bytes& payload = {}) {
  Bytes b{type, code, 0, 0};
  put16(b, id);
  put16(b, seq);
  append(b, payload);
  return b;
}

// Ethernet II with optional VLAN tags given as (TPID, TCI) pairs, outermost first.
inline Bytes ether(uint16_t type, const Bytes& body, std::vector<std::pair<uint16_t, uint16_t>> tags = {}) {
  Bytes b{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa};
  for (const auto& [tpid, tci] : tags) {
    put16(b, tpid);
    put16(b, tci);
  }
  put16(b, type);
  append(b, body);
  return b;
}
inline Bytes pad_to(Bytes b, size_t size) {
  if (b.size() < size) b.resize(size, 0);
  return b;
}

inline RawPacket raw_of(const Bytes& b, Timestamp ts = 0) {
  RawPacket raw;
  raw.ts = ts;
  raw.data = b.data();
  raw.caplen = static_cast<uint32_t>(b.size());
  raw.wire_len = static_cast<uint32_t>(b.size());
  return raw;
}

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    for (int attempt = 0; attempt < 100; ++attempt) {
      path_ = std::filesystem::temp_directory_path() / ("vigil-sensors-" + std::to_string(rd()));
      if (std::filesystem::create_directory(path_)) return;
    }
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct TimedFrame {
  Timestamp ts = 0;  // microseconds, or nanoseconds for a nanosecond file
  Bytes data;
};

// Writes a classic pcap file with libpcap's own writer.
inline void write_pcap(const std::string& path, int link_type, const std::vector<TimedFrame>& frames,
                       bool nanosecond = false) {
  pcap_t* dead = pcap_open_dead_with_tstamp_precision(
      link_type, 65535, nanosecond ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
  pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
  const int64_t per_second = nanosecond ? 1'000'000'000 : 1'000'000;
  for (const auto& frame : frames) {
    pcap_pkthdr header{};
    header.ts.tv_sec = static_cast<time_t>(frame.ts / per_second);
    header.ts.tv_usec = static_cast<suseconds_t>(frame.ts % per_second);
    header.caplen = static_cast<bpf_u_int32>(frame.data.size());
    header.len = static_cast<bpf_u_int32>(frame.data.size());
    pcap_dump(reinterpret_cast<u_char*>(dumper), &header, frame.data.data());
  }
  pcap_dump_close(dumper);
  pcap_close(dead);
}

class FakeEventSink : public EventSink {
 public:
  void consume(Event event) override { events.push_back(std::move(event)); }
  std::vector<Event> of_type(EventType type) const {
    std::vector<Event> out;
    for (const auto& e : events) {
      if (e.type == type) out.push_back(e);
    }
    return out;
  }
  std::vector<Event> events;
};

}  // namespace vigil::sensors::test
