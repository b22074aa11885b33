// PcapFileSource: reads a pcap or pcapng capture file (microsecond or nanosecond timestamps,
// all delivered as microseconds) for replay and tests. Created with open(); move-only.
// Thread contract: one thread at a time; the libpcap handle stays private to this object.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "vigil/core/result.h"
#include "vigil/sensors/packet_source.h"

namespace vigil::sensors {

class PcapFileSource final : public PacketSource {
 public:
  // A missing, unreadable or non-capture file is an Error whose message names the file.
  static Result<PcapFileSource> open(const std::string& path);

  PcapFileSource(PcapFileSource&&) noexcept;
  PcapFileSource& operator=(PcapFileSource&&) noexcept;
  PcapFileSource(const PcapFileSource&) = delete;
  PcapFileSource& operator=(const PcapFileSource&) = delete;
  ~PcapFileSource() override;

  // false at the clean end of the file; an Error naming the file and the number of packets read
  // when the file is truncated or corrupt part-way. After an Error every call returns it again.
  Result<bool> next(RawPacket& out) override;
  int link_type() const override { return link_type_; }

  const std::string& path() const { return path_; }
  uint64_t packets_read() const { return packets_read_; }

 private:
  struct Handle;  // owns the pcap_t
  PcapFileSource(std::string path, std::unique_ptr<Handle> handle, int link_type);

  std::string path_;
  std::unique_ptr<Handle> handle_;
  int link_type_ = 0;
  uint64_t packets_read_ = 0;
  bool ended_ = false;
  std::string failure_;  // set once the file turned out corrupt
};

}  // namespace vigil::sensors
