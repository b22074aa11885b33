// Transaction: what an app-layer parser hands to its caller once one side of a protocol exchange
// is complete (an HTTP request, an HTTP response with its request, a DNS message, a TLS hello
// with its certificates, an SSH banner). The rules engine scans each buffer with that buffer's
// database; alerts and `http`/`dns`/`tls` events take `eve()`. Thread contract: valid only inside
// the TransactionHandler call that receives it: the views point into parser-owned storage.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include <nlohmann/json.hpp>

#include "vigil/applayer/app_proto.h"
#include "vigil/applayer/buffer_id.h"

namespace vigil::applayer {

struct BufferEntry {
  BufferId id;
  std::string_view data;
};

// Values that rules compare as numbers rather than scan (dns.opcode, dns.rrtype, tls.version,
// http.stat_code as a number). 0 where the transaction has none.
struct TxValues {
  uint16_t http_status = 0;
  uint64_t http_response_length = 0;  // body bytes seen (all of them, not only those kept)
  uint16_t dns_id = 0;
  uint8_t dns_opcode = 0;
  uint8_t dns_rcode = 0;
  uint16_t dns_qtype = 0;   // the first question's type
  uint16_t tls_version = 0; // 0x0303 = TLS 1.2; the negotiated version once the server said it
};

// Builds the EVE object on demand: most transactions never alert, so none is built for them.
class TxEveSource {
 public:
  virtual nlohmann::json eve() const = 0;

 protected:
  ~TxEveSource() = default;
};

struct Transaction {
  AppProto proto = AppProto::unknown;
  Direction direction = Direction::to_server;  // the side whose completion this is
  uint64_t id = 0;        // per flow and protocol, from 0 (Suricata's tx_id)
  bool complete = true;   // false: delivered at a gap or the flow's end before it completed
  std::span<const BufferEntry> buffers;  // sorted by id; an id may repeat (dns.query, tls.certs)
  TxValues values;
  // TLS: the side's bytes as received until the transaction (its clear handshake records, up to
  // AppLayerOptions::tls_raw_limit), where a rule's packet payload keywords match. Empty otherwise.
  std::string_view raw;
  const TxEveSource* eve_source = nullptr;

  // The first buffer with this id; empty when absent.
  std::string_view get(BufferId wanted) const {
    for (const BufferEntry& entry : buffers) {
      if (entry.id == wanted) return entry.data;
    }
    return {};
  }
  bool has(BufferId wanted) const {
    for (const BufferEntry& entry : buffers) {
      if (entry.id == wanted) return true;
    }
    return false;
  }
  // The object Suricata adds to alerts and writes as the protocol's event: {"http": {...}},
  // {"dns": {...}}, {"tls": {...}}, {"ssh": {...}}.
  nlohmann::json eve() const { return eve_source == nullptr ? nlohmann::json::object() : eve_source->eve(); }
};

// Receives transactions and app-layer anomalies (Suricata's app-layer events: malformed data,
// limits reached), in the order the stream produced them.
class TransactionHandler {
 public:
  virtual void on_transaction(const Transaction& tx) = 0;
  virtual void on_anomaly(AppProto /*proto*/, std::string_view /*event*/) {}

 protected:
  ~TransactionHandler() = default;
};

}  // namespace vigil::applayer
