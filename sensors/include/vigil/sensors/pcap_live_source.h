// PcapLiveSource: live capture on a named interface with libpcap (immediate mode, kernel buffer,
// snap length, BPF filter, promiscuous on/off). Read either pushed by an Asio io_context (the
// pcap selectable fd in a posix::stream_descriptor; pcap_dispatch whenever it is readable) or
// pulled with next() by a thread of its own. Kernel drops come from pcap_stats.
// Thread contract: one thread at a time (the io_context's, or the puller's); stop() is the
// exception and may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "vigil/core/result.h"
#include "vigil/sensors/packet_source.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace vigil::sensors {

struct LiveCaptureOptions {
  std::string interface;             // e.g. "eth0"; required
  uint32_t snaplen = 262'144;        // bytes kept of each frame
  bool promiscuous = true;           // a sensor on a SPAN port or tap sees frames for other hosts
  bool immediate = true;             // deliver each packet at once instead of waiting for a full block
  uint32_t buffer_bytes = 32u << 20; // kernel ring buffer; what absorbs bursts before drops
  std::string bpf_filter;            // empty: every frame
  uint32_t dispatch_batch = 256;     // packets handed over per readable event at most
};

struct CaptureStats {
  uint64_t received = 0;         // packets delivered to vigil
  uint64_t kernel_drops = 0;     // dropped by the kernel because vigil fell behind (pcap_stats ps_drop)
  uint64_t interface_drops = 0;  // dropped by the interface or driver (ps_ifdrop)
};

class PcapLiveSource final : public PacketSource {
 public:
  using PacketHandler = std::function<void(const RawPacket&)>;
  using ErrorHandler = std::function<void(const Error&)>;

  // Opens and activates the capture. Errors name the interface and what is wrong: no such
  // interface, permission denied, interface down, a bad BPF filter (naming the filter).
  static Result<std::unique_ptr<PcapLiveSource>> open(boost::asio::io_context& io, const LiveCaptureOptions& options);

  ~PcapLiveSource() override;
  PcapLiveSource(const PcapLiveSource&) = delete;
  PcapLiveSource& operator=(const PcapLiveSource&) = delete;

  // Pull mode: waits for the next packet; false once stop() was called, an Error if capture fails.
  Result<bool> next(RawPacket& out) override;
  int link_type() const override { return link_type_; }

  // Push mode: on the io_context, hands every packet to `on_packet` (RawPacket valid during the
  // call only) until stop() or a capture error, which goes to `on_error` once.
  void start(PacketHandler on_packet, ErrorHandler on_error);
  // Ends reading in either mode; safe from any thread. Packets already buffered are not read.
  void stop();

  // Packets delivered so far and the kernel's drop counters for this handle.
  Result<CaptureStats> stats() const;
  const std::string& interface() const { return options_.interface; }

 private:
  struct Impl;  // owns the pcap_t and the Asio descriptor
  PcapLiveSource(LiveCaptureOptions options, std::unique_ptr<Impl> impl, int link_type);
  void arm();
  void dispatch();

  LiveCaptureOptions options_;
  std::unique_ptr<Impl> impl_;
  int link_type_ = 0;
  uint64_t received_ = 0;
  std::atomic<bool> stopped_{false};
  PacketHandler on_packet_;
  ErrorHandler on_error_;
};

}  // namespace vigil::sensors
