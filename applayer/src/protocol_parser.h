// The seam between AppLayerFlow and one protocol's parser, and the small helpers parsers share.
// Thread contract: one worker thread, like the flow.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/applayer/app_layer_flow.h"
#include "vigil/applayer/transaction.h"

namespace vigil::applayer {

// Where a parser's results go: counts them in the worker's stats on the way.
struct Emitter {
  TransactionHandler& handler;
  AppLayerStats& stats;
  AppProto proto;

  void transaction(const Transaction& tx) {
    ++stats.transactions[static_cast<size_t>(proto)];
    handler.on_transaction(tx);
  }
  void anomaly(std::string_view event) {
    ++stats.anomalies;
    handler.on_anomaly(proto, event);
  }
};

class ProtocolParser {
 public:
  virtual ~ProtocolParser() = default;
  virtual void on_data(Direction direction, std::string_view bytes, Emitter& out) = 0;
  virtual void on_gap(Direction direction, Emitter& out) = 0;
  virtual void on_close(Emitter& out) = 0;
  // Nothing more will come of this flow (the protocol's inspectable part is over).
  virtual bool done() const { return false; }
  virtual size_t memory() const = 0;
};

// Buffers of one transaction, sorted by id before delivery.
class BufferList {
 public:
  void clear() { entries_.clear(); }
  void add(BufferId id, std::string_view data) { entries_.push_back({id, data}); }
  // Absent (empty) values are not buffers: Suricata does not inspect a missing header.
  void add_if(BufferId id, std::string_view data) {
    if (!data.empty()) add(id, data);
  }
  std::span<const BufferEntry> sorted() {
    std::stable_sort(entries_.begin(), entries_.end(),
                     [](const BufferEntry& a, const BufferEntry& b) { return a.id < b.id; });
    return entries_;
  }

 private:
  std::vector<BufferEntry> entries_;
};

inline uint16_t read_u16(std::string_view data, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(data[at]) << 8) | static_cast<uint8_t>(data[at + 1]));
}
inline uint32_t read_u24(std::string_view data, size_t at) {
  return (uint32_t{static_cast<uint8_t>(data[at])} << 16) | (uint32_t{static_cast<uint8_t>(data[at + 1])} << 8) |
         static_cast<uint8_t>(data[at + 2]);
}

// Network bytes as an EVE string: valid UTF-8 stays, every other byte becomes the code point of
// the same value (as if Latin-1), so the JSON always serialises.
std::string eve_text(std::string_view bytes);

std::unique_ptr<ProtocolParser> make_http_parser(AppLayerContext& context);
std::unique_ptr<ProtocolParser> make_dns_parser(Transport transport);
std::unique_ptr<ProtocolParser> make_tls_parser(const AppLayerOptions& options);
std::unique_ptr<ProtocolParser> make_ssh_parser();

}  // namespace vigil::applayer
