// AppLayerFlow: the application layer of one flow. It is fed in-order bytes per direction (TCP,
// after reassembly) or whole datagrams (UDP), recognises the protocol from the bytes themselves
// (Suricata's pattern and probing detection: HTTP on 8080 is HTTP, SSH on 80 is SSH), then runs
// that protocol's parser and hands each completed transaction to a TransactionHandler.
// Created lazily by the flow's owner at its first payload; destroyed with the flow.
// Thread contract: one worker thread, like the flow that owns it. An AppLayerContext is built once
// per worker (it owns libhtp's configuration) and must outlive its flows.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "vigil/applayer/app_proto.h"
#include "vigil/applayer/transaction.h"

namespace vigil::applayer {

struct AppLayerOptions {
  // Body bytes kept per HTTP transaction for http.request_body / http.response_body / file.data
  // (Suricata's request-body-limit / response-body-limit in its default suricata.yaml).
  size_t request_body_limit = 100 * 1024;
  size_t response_body_limit = 100 * 1024;
  // libhtp's limit on one request/response line or header (Suricata's default 18000) and on the
  // number of headers; past them the transaction is flagged and parsing goes on.
  size_t http_field_limit = 18000;
  uint32_t http_header_count_limit = 1024;
  // Requests waiting for their response (pipelining). Past this the flow's HTTP parsing stops
  // (anomaly http.too_many_pending): libhtp keeps every open transaction.
  size_t http_max_pending = 64;
  // Transactions per flow in total; libhtp keeps a pointer per past transaction.
  size_t http_max_transactions = 4096;
  // What one flow's HTTP parsing may hold (open transactions, their headers and bodies, libhtp's
  // copies estimated, data waiting for the other side); past it parsing stops (http.memcap).
  size_t http_flow_memory = 1024 * 1024;
  // A TLS handshake message (a certificate chain) larger than this is not parsed.
  size_t tls_handshake_limit = 64 * 1024;
  // Bytes of each TLS side kept for the payload keywords of tls rules (Transaction::raw): enough
  // for a ClientHello, or a ServerHello with a certificate chain.
  size_t tls_raw_limit = 16 * 1024;
  // Bytes of a direction's start held while recognition waits for more.
  size_t probe_limit = 1024;
  // DNS has no signature: Suricata probes it on its detection port only.
  uint16_t dns_port = 53;
};

// Counters of one worker. Anomaly counters are named after Suricata's app-layer events.
struct AppLayerStats {
  uint64_t flows = 0;         // AppLayerFlow objects created
  uint64_t unrecognised = 0;  // flows whose both directions failed recognition
  std::array<uint64_t, kAppProtoCount> recognised{};    // by AppProto
  std::array<uint64_t, kAppProtoCount> transactions{};  // delivered, by AppProto
  uint64_t gaps = 0;
  uint64_t anomalies = 0;
};

class AppLayerContext {
 public:
  explicit AppLayerContext(AppLayerOptions options = {});
  ~AppLayerContext();
  AppLayerContext(const AppLayerContext&) = delete;
  AppLayerContext& operator=(const AppLayerContext&) = delete;

  const AppLayerOptions& options() const { return options_; }
  AppLayerStats& stats() { return stats_; }
  const AppLayerStats& stats() const { return stats_; }

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  AppLayerOptions options_;
  AppLayerStats stats_;
  std::unique_ptr<Impl> impl_;
};

class ProtocolParser;  // private: one per recognised protocol (src/protocol_parser.h)

enum class Transport : uint8_t { tcp, udp };

class AppLayerFlow {
 public:
  // The flow's ports, client (the side that sent its first packet) and server: DNS, which has no
  // pattern, is probed only when either is the DNS port (a capture may begin with an answer).
  AppLayerFlow(AppLayerContext& context, Transport transport, uint16_t client_port, uint16_t server_port);
  ~AppLayerFlow();
  AppLayerFlow(const AppLayerFlow&) = delete;
  AppLayerFlow& operator=(const AppLayerFlow&) = delete;

  // TCP: the next in-order bytes of one direction.
  void on_stream_data(Direction direction, std::string_view bytes, TransactionHandler& handler);
  // TCP: bytes of this direction were lost (a reassembly gap). Parsers that cannot resync stop
  // that direction; a direction still being recognised gives up.
  void on_gap(Direction direction, TransactionHandler& handler);
  // UDP: one datagram.
  void on_datagram(Direction direction, std::string_view payload, TransactionHandler& handler);
  // The flow ends: transactions still open are delivered with complete = false.
  void on_close(TransactionHandler& handler);

  AppProto proto() const { return proto_; }
  // Whether anything more can come of this flow's bytes (false: unrecognised, or the parser is
  // done, e.g. TLS after its handshake): the owner may stop feeding it.
  bool wants_data() const;
  // Bytes this flow holds now (its own buffers and its parser's, libhtp's estimated); bounded by
  // the options (applayer/README.md, "Memory").
  size_t memory() const;

 private:
  void probe(Direction direction, std::string_view bytes, TransactionHandler& handler);
  void start_parser(AppProto proto);
  void feed(Direction direction, std::string_view bytes, TransactionHandler& handler);

  AppLayerContext* context_;
  std::unique_ptr<ProtocolParser> parser_;
  std::array<std::string, 2> probe_buffer_;  // per Direction, only while recognising
  std::array<bool, 2> probe_failed_{};
  Transport transport_;
  uint16_t client_port_;
  uint16_t server_port_;
  AppProto proto_ = AppProto::unknown;
  bool closed_ = false;
};

}  // namespace vigil::applayer
