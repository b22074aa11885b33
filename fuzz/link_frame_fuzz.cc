// libFuzzer target for the sensor link's frame decoding (daemon/link/link_frame.h), what the central
// daemon runs on every byte a sensor sends: the 4-byte length header with its limit, then the frame
// (type, batch seq, event count, length-prefixed EVE JSON events, or an ack). Never a crash, never a
// sanitizer report: a malformed frame must only be an Error.
//
// Input: a byte stream as it would arrive on a connection; frames are decoded one after another
// until one fails or the bytes run out.
#include <cstddef>
#include <cstdint>
#include <span>

#include "link/link_frame.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> stream(data, size);
  // A small limit so that length headers inside the input can be satisfied by it.
  constexpr uint32_t kLimit = 1u << 16;
  while (stream.size() >= vigil::daemon::kLinkHeaderBytes) {
    auto length = vigil::daemon::decode_link_header(stream.first(vigil::daemon::kLinkHeaderBytes), kLimit);
    if (!length) return 0;
    stream = stream.subspan(vigil::daemon::kLinkHeaderBytes);
    if (stream.size() < *length) return 0;
    auto frame = vigil::daemon::decode_link_frame(stream.first(*length));
    if (!frame) return 0;
    if (const auto* batch = std::get_if<vigil::daemon::LinkBatch>(&*frame)) {
      // What the central does next: the events are re-encoded for storage and forwarding.
      (void)vigil::daemon::encode_link_batch(batch->seq, batch->events);
    }
    stream = stream.subspan(*length);
  }
  return 0;
}
