#include "vigil/rules/stream_context.h"

#include <hs.h>

#include <utility>

namespace vigil::rules {

StreamContext::~StreamContext() { reset(); }

StreamContext::StreamContext(StreamContext&& other) noexcept
    : stream_(std::exchange(other.stream_, nullptr)),
      database_(std::exchange(other.database_, nullptr)),
      scanned_(std::exchange(other.scanned_, 0)) {}

StreamContext& StreamContext::operator=(StreamContext&& other) noexcept {
  if (this != &other) {
    reset();
    stream_ = std::exchange(other.stream_, nullptr);
    database_ = std::exchange(other.database_, nullptr);
    scanned_ = std::exchange(other.scanned_, 0);
  }
  return *this;
}

void StreamContext::reset() {
  if (stream_ != nullptr) {
    // No callback and no scratch: literal patterns have no end-of-data matches to report.
    hs_close_stream(static_cast<hs_stream_t*>(stream_), nullptr, nullptr, nullptr);
  }
  stream_ = nullptr;
  database_ = nullptr;
  scanned_ = 0;
}

}  // namespace vigil::rules
