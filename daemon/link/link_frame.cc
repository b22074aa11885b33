#include "link/link_frame.h"

#include "vigil/core/eve_json.h"

namespace vigil::daemon {

namespace {

void put_be(std::string& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// Reads big-endian integers from the front of a span; every read checks the bytes are there.
class Cursor {
 public:
  explicit Cursor(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  bool read(uint64_t& value, size_t width) {
    if (bytes_.size() < width) return false;
    value = 0;
    for (size_t i = 0; i < width; ++i) value = (value << 8) | bytes_[i];
    bytes_ = bytes_.subspan(width);
    return true;
  }
  bool take(std::span<const uint8_t>& out, size_t n) {
    if (bytes_.size() < n) return false;
    out = bytes_.first(n);
    bytes_ = bytes_.subspan(n);
    return true;
  }
  size_t left() const { return bytes_.size(); }

 private:
  std::span<const uint8_t> bytes_;
};

std::string frame(LinkFrameType type, const std::string& body) {
  std::string out;
  out.reserve(kLinkHeaderBytes + 1 + body.size());
  put_be(out, body.size() + 1, 4);
  out.push_back(static_cast<char>(type));
  out += body;
  return out;
}

Unexpected malformed(const std::string& what) { return fail(ErrorCode::parse_error, "malformed link frame: " + what); }

}  // namespace

std::string encode_link_batch(uint64_t seq, std::span<const Event> events) {
  std::string body;
  put_be(body, seq, 8);
  put_be(body, events.size(), 4);
  for (const Event& event : events) {
    const std::string json = to_eve_json(event);
    put_be(body, json.size(), 4);
    body += json;
  }
  return frame(LinkFrameType::batch, body);
}

std::string encode_link_ack(uint64_t seq) {
  std::string body;
  put_be(body, seq, 8);
  return frame(LinkFrameType::ack, body);
}

std::string encode_link_hello(uint64_t cursor) {
  std::string body;
  put_be(body, cursor, 8);
  return frame(LinkFrameType::hello, body);
}

Result<uint32_t> decode_link_header(std::span<const uint8_t> header, uint32_t max_frame_bytes) {
  Cursor in(header);
  uint64_t length = 0;
  if (!in.read(length, kLinkHeaderBytes)) return malformed("short header");
  if (length == 0) return malformed("empty frame");
  if (length > max_frame_bytes) {
    return malformed(std::to_string(length) + " bytes announced, the limit is " + std::to_string(max_frame_bytes));
  }
  return static_cast<uint32_t>(length);
}

Result<LinkFrame> decode_link_frame(std::span<const uint8_t> bytes) {
  Cursor in(bytes);
  uint64_t type = 0;
  if (!in.read(type, 1)) return malformed("no frame type");
  if (type == static_cast<uint8_t>(LinkFrameType::ack)) {
    LinkAck ack;
    if (!in.read(ack.seq, 8) || in.left() != 0) return malformed("an ack is 8 bytes");
    return LinkFrame(ack);
  }
  if (type == static_cast<uint8_t>(LinkFrameType::hello)) {
    LinkHello hello;
    if (!in.read(hello.cursor, 8) || in.left() != 0) return malformed("a hello is 8 bytes");
    return LinkFrame(hello);
  }
  if (type != static_cast<uint8_t>(LinkFrameType::batch)) return malformed("unknown frame type " + std::to_string(type));
  LinkBatch batch;
  uint64_t count = 0;
  if (!in.read(batch.seq, 8) || !in.read(count, 4)) return malformed("short batch header");
  if (batch.seq == 0) return malformed("batch seq 0");
  if (count > kLinkMaxBatchEvents) return malformed(std::to_string(count) + " events in one batch");
  // Every event needs at least its 4-byte length: a count the bytes cannot hold is refused before
  // anything is reserved for it.
  if (count * 4 > in.left()) return malformed("batch announces more events than it holds");
  batch.events.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t length = 0;
    std::span<const uint8_t> json;
    if (!in.read(length, 4) || !in.take(json, length)) {
      return malformed("event " + std::to_string(i) + " runs past the frame");
    }
    auto event = event_from_json(std::string_view(reinterpret_cast<const char*>(json.data()), json.size()));
    if (!event) return malformed("event " + std::to_string(i) + ": " + event.error().message);
    batch.events.push_back(std::move(*event));
  }
  if (in.left() != 0) return malformed(std::to_string(in.left()) + " bytes after the last event");
  return LinkFrame(std::move(batch));
}

}  // namespace vigil::daemon
