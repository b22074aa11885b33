// The input format shared by the app-layer fuzz targets (http_fuzz, dns_fuzz, tls_fuzz): a flow
// replayed through the public AppLayerFlow API. Each chunk is a 2-byte header - flags (bit 0:
// to_client, bit 1: a gap before it), length - then that many bytes (fewer at the end). The
// flow ends with on_close. fuzz/applayer_seeds.py writes real flows in this format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vigil/applayer/app_layer_flow.h"

namespace vigil::applayer::fuzz {

class DiscardHandler final : public TransactionHandler {
 public:
  void on_transaction(const Transaction& tx) override {
    // Touch every view and build the EVE object: reading freed or short storage must show.
    for (const BufferEntry& entry : tx.buffers) {
      for (char c : entry.data) sum_ += static_cast<unsigned char>(c);
    }
    sum_ += tx.eve().dump().size();
  }
  size_t sum_ = 0;
};

inline void replay(AppLayerFlow& flow, const uint8_t* data, size_t size, bool datagrams) {
  DiscardHandler handler;
  size_t at = 0;
  while (at + 2 <= size) {
    const uint8_t flags = data[at];
    const size_t length = data[at + 1];
    at += 2;
    const size_t n = length < size - at ? length : size - at;
    const std::string_view bytes(reinterpret_cast<const char*>(data + at), n);
    at += n;
    const Direction direction = (flags & 1) != 0 ? Direction::to_client : Direction::to_server;
    if (datagrams) {
      flow.on_datagram(direction, bytes, handler);
      continue;
    }
    if ((flags & 2) != 0) flow.on_gap(direction, handler);
    flow.on_stream_data(direction, bytes, handler);
  }
  flow.on_close(handler);
  // The documented bound (applayer/README.md) holds for every flow.
  if (flow.memory() > 4u << 20) __builtin_trap();
}

}  // namespace vigil::applayer::fuzz
