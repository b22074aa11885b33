// The compact binary record of an event (format 2): what the events CF stores after the format
// byte. About a third of the EVE JSON size and several times faster to write and read; the key
// carries class, time and seq, so they are not repeated here.
// Thread contract: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "vigil/core/event.h"
#include "vigil/core/result.h"

namespace vigil::storage {

// Appends the body of `event` (without type, timestamp and seq) to `out`.
void encode_event_body(const Event& event, std::string& out);
// Fills every field of `event` except type, timestamp and seq, which the caller takes from the key.
Result<void> decode_event_body(std::string_view body, Event& event);

// Little helpers shared with the audit record.
void put_varint(std::string& out, uint64_t value);
void put_string(std::string& out, std::string_view text);

class RecordReader {
 public:
  explicit RecordReader(std::string_view bytes) : rest_(bytes) {}
  bool varint(uint64_t& value);
  bool string(std::string& text);
  bool byte(uint8_t& value);
  bool bytes(size_t n, std::string& out);
  bool done() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

}  // namespace vigil::storage
