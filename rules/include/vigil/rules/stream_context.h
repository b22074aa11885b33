// StreamContext: detection state of one direction of one reassembled TCP stream (the Hyperscan
// stream-mode state, opened lazily by Scanner::scan_stream). The sensors' reassembler owns one per
// flow direction and hands in-order bytes with it to the Scanner.
// Thread contract: belongs to the worker that owns the flow; used only with that worker's Scanner.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::rules {

class StreamContext {
 public:
  StreamContext() = default;
  ~StreamContext();
  StreamContext(StreamContext&& other) noexcept;
  StreamContext& operator=(StreamContext&& other) noexcept;
  StreamContext(const StreamContext&) = delete;
  StreamContext& operator=(const StreamContext&) = delete;

  // Forgets the stream (a gap in the data): nothing before this point joins a match after it.
  void reset();
  bool open() const { return stream_ != nullptr; }
  // Bytes scanned since the stream was opened or reset.
  uint64_t scanned() const { return scanned_; }

 private:
  friend class Scanner;
  // hs_stream_t*, kept as void* so Hyperscan stays out of public headers (rules/src owns the type).
  void* stream_ = nullptr;
  const void* database_ = nullptr;  // the database the stream was opened for; a reload reopens it
  uint64_t scanned_ = 0;
};

}  // namespace vigil::rules
