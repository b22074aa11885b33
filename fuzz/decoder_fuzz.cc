// libFuzzer target for the packet path up to detection: link layers, IPv4/IPv6 (options,
// extension headers), fragment reassembly, TCP/UDP/ICMP and the flow table. One input is a
// link type and a few frames, so fragments of one datagram can meet. Never a crash, never a
// sanitizer report: malformed input must only be counted.
//
// Input: byte 0 picks the link type; then frames, each a 2-byte big-endian length (top bit:
// the frame was cut by the snap length) followed by that many bytes (fewer at the end).
#include <cstddef>
#include <cstdint>
#include <iterator>

#include "vigil/core/interfaces.h"
#include "vigil/sensors/decoder.h"
#include "vigil/sensors/packet_processor.h"

namespace {

constexpr int kLinkTypes[] = {
    vigil::sensors::kLinkEthernet, vigil::sensors::kLinkLinuxSll, vigil::sensors::kLinkLinuxSll2,
    vigil::sensors::kLinkRaw,      vigil::sensors::kLinkIpv4,     vigil::sensors::kLinkIpv6,
    vigil::sensors::kLinkNull,     vigil::sensors::kLinkLoop,     vigil::sensors::kLinkPpp,
    vigil::sensors::kLinkCiscoHdlc, vigil::sensors::kLinkRawDlt12, vigil::sensors::kLinkRawDlt14,
    147,  // a link type nobody decodes
};

class DiscardSink final : public vigil::EventSink {
 public:
  void consume(vigil::Event) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int link_type = kLinkTypes[data[0] % std::size(kLinkTypes)];

  DiscardSink sink;
  vigil::sensors::ProcessorOptions options;
  options.flows.max_flows = 8;         // reach the eviction paths with few frames
  options.defrag.memory_cap = 4096;
  options.defrag.max_fragments = 8;
  options.stats_interval = vigil::seconds(1);
  vigil::sensors::PacketProcessor processor({"fuzz", "fuzz"}, nullptr, sink, options);

  size_t pos = 1;
  vigil::Timestamp ts = vigil::seconds(1'000'000'000);
  while (pos + 2 <= size) {
    const size_t header = (static_cast<size_t>(data[pos]) << 8) | data[pos + 1];
    pos += 2;
    const size_t len = std::min(header & 0x7fff, size - pos);
    vigil::sensors::RawPacket raw;
    raw.ts = ts;
    raw.data = data + pos;
    raw.caplen = static_cast<uint32_t>(len);
    raw.wire_len = static_cast<uint32_t>(len + ((header & 0x8000) != 0 ? 100 : 0));
    processor.process(link_type, raw);
    pos += len;
    ts += 400'000;  // frames 0.4 s apart: a few make a flow or a fragment time out
  }
  processor.finish();
  (void)processor.counters();
  return 0;
}
