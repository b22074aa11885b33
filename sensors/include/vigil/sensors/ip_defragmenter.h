// IpDefragmenter: reassembles IPv4 and IPv6 fragments into whole datagrams, per
// (version, src, dst, id, protocol), on packet time, within a memory cap. Overlap policy: first
// wins — bytes already held are kept and a later fragment only fills holes (see sensors/README.md).
// The PacketProcessor hands it every fragment and decodes what comes back as one packet.
// Thread contract: one worker thread; the returned datagram is valid until the next call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vigil/core/ip.h"
#include "vigil/core/time.h"
#include "vigil/sensors/decoder.h"

namespace vigil::sensors {

struct DefragOptions {
  Duration timeout = seconds(30);     // a datagram not complete this long after its first fragment is dropped
  size_t memory_cap = 32u << 20;      // bytes held (data plus bookkeeping); the oldest datagram goes first
  size_t max_fragments = 256;         // per datagram; more is an anomaly and the datagram is dropped
};

struct DefragStats {
  uint64_t fragments = 0;    // fragments taken in
  uint64_t reassembled = 0;  // whole datagrams handed back
  uint64_t timed_out = 0;    // datagrams dropped incomplete after `timeout`
  uint64_t evicted = 0;      // datagrams dropped incomplete to stay under `memory_cap`
  uint64_t dropped = 0;      // datagrams dropped for a bad fragment (too large, too many)
  uint64_t overlaps = 0;     // fragments that overlapped bytes already held
  uint64_t active = 0;       // datagrams being reassembled now
  uint64_t memory = 0;       // bytes held now
};

struct Reassembled {
  int ip_version = 4;
  RawPacket datagram;  // an IP packet without fragmentation, ts = the completing fragment's time
};

class IpDefragmenter {
 public:
  explicit IpDefragmenter(DefragOptions options = {});
  ~IpDefragmenter();
  IpDefragmenter(const IpDefragmenter&) = delete;
  IpDefragmenter& operator=(const IpDefragmenter&) = delete;

  // Takes one fragment (`result.is_fragment`) of `packet` (decoded: version, addresses). Returns
  // the whole datagram when this fragment completed it. Anomaly kinds found on the way (static
  // strings such as "ipv4.frag_overlap") are appended to `anomalies`.
  std::optional<Reassembled> add(const DecodeResult& result, const rules::Packet& packet,
                                 std::vector<std::string_view>& anomalies);

  // Lets time pass without a fragment: drops datagrams past their timeout. Time never goes back.
  void advance_time(Timestamp now);

  const DefragStats& stats() const { return stats_; }

 private:
  struct Key {
    IpAddress src;
    IpAddress dst;
    uint32_t id = 0;
    uint8_t proto = 0;
    uint8_t version = 0;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& key) const;
  };
  struct Datagram {
    Key key;
    Timestamp first_seen = 0;
    std::vector<uint8_t> header;                    // from the offset-0 fragment
    uint16_t next_header_at = 0;                    // IPv6: byte to rewrite in `header`
    std::map<uint32_t, std::vector<uint8_t>> pieces;  // offset -> bytes, never overlapping
    size_t fragments = 0;
    size_t held = 0;                    // data bytes in pieces
    std::optional<uint32_t> total;      // payload length, known once the last fragment came
    size_t memory = 0;                  // what this datagram counts against the cap
  };
  using List = std::list<Datagram>;  // oldest first: timeouts and evictions take from the front

  void expire(Timestamp now);
  void drop(List::iterator it);
  bool insert(Datagram& datagram, uint32_t offset, std::span<const uint8_t> data);
  const Reassembled& build(const Datagram& datagram, Timestamp ts);

  DefragOptions options_;
  List datagrams_;
  std::unordered_map<Key, List::iterator, KeyHash> index_;
  Timestamp now_ = 0;
  std::vector<uint8_t> out_;  // the last reassembled datagram
  Reassembled reassembled_;
  DefragStats stats_;
};

}  // namespace vigil::sensors
