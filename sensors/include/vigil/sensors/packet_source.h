// PacketSource: where a worker's raw frames come from (a pcap file now; live capture later).
// RawPacket points into the source's buffer and stays valid only until the next call to next().
// Thread contract: a source is used by one thread at a time; it may be moved between threads.
#pragma once

#include <cstdint>

#include "vigil/core/result.h"
#include "vigil/core/time.h"

namespace vigil::sensors {

struct RawPacket {
  Timestamp ts = 0;
  const uint8_t* data = nullptr;
  uint32_t caplen = 0;    // bytes at data
  uint32_t wire_len = 0;  // bytes on the wire; larger than caplen when the snap length cut the frame
};

class PacketSource {
 public:
  virtual ~PacketSource() = default;
  // true with a packet in `out`, false at the clean end of the source, an Error when it fails.
  virtual Result<bool> next(RawPacket& out) = 0;
  // The link type of every packet of this source, as libpcap reports it (a DLT_ value).
  virtual int link_type() const = 0;
};

}  // namespace vigil::sensors
