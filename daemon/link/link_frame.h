// The sensor link's wire format, shared by the sensor (LinkSender) and the central daemon
// (LinkServer): length-prefixed frames over the TLS stream. Decoding is a pure function of the bytes,
// so a malformed or hostile frame is an Error (the connection is then closed), never a crash; it is the
// libFuzzer target fuzz/link_frame_fuzz.cc.
//
//   frame = BE32 length of (type ‖ body) ‖ u8 type ‖ body
//   batch (1, sensor -> central): BE64 batch seq ‖ BE32 count ‖ count × (BE32 length ‖ EVE JSON)
//   ack   (2, central -> sensor): BE64 batch seq
//   hello (3, central -> sensor, first after the handshake): BE64 the last batch seq stored from it
// Thread contract: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "vigil/core/event.h"
#include "vigil/core/result.h"

namespace vigil::daemon {

inline constexpr size_t kLinkHeaderBytes = 4;
// A frame longer than this is refused before reading it (a 200 ms batch of a busy sensor is far less).
inline constexpr uint32_t kLinkMaxFrameBytes = 64u << 20;
inline constexpr uint32_t kLinkMaxBatchEvents = 1u << 20;

enum class LinkFrameType : uint8_t { batch = 1, ack = 2, hello = 3 };

struct LinkBatch {
  uint64_t seq = 0;  // per sensor daemon, from 1, increasing by one per batch
  std::vector<Event> events;
};
struct LinkAck {
  uint64_t seq = 0;
};
// What the central has stored from this sensor: a sensor whose spool numbers are below it lost its
// spool (see LinkSpool::renumber_after).
struct LinkHello {
  uint64_t cursor = 0;
};
using LinkFrame = std::variant<LinkBatch, LinkAck, LinkHello>;

// Whole frames, header included.
std::string encode_link_batch(uint64_t seq, std::span<const Event> events);
std::string encode_link_ack(uint64_t seq);
std::string encode_link_hello(uint64_t cursor);

// The body length a 4-byte header announces; an error when it is 0 or over `max_frame_bytes`.
Result<uint32_t> decode_link_header(std::span<const uint8_t> header, uint32_t max_frame_bytes = kLinkMaxFrameBytes);
// One frame's `type ‖ body` (what follows the header).
Result<LinkFrame> decode_link_frame(std::span<const uint8_t> frame);

}  // namespace vigil::daemon
