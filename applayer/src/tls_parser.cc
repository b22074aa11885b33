// TLS handshake up to the point where it is encrypted: ClientHello (SNI, JA3), ServerHello
// (version, JA3S), Certificate (TLS <= 1.2: subject, issuer, serial, fingerprint, the DER chain).
// Records and handshake messages may be split across segments and records; each direction keeps
// at most one record and one handshake message. A direction stops at its first record that is not
// a handshake (ChangeCipherSpec, application data, alert): what follows is encrypted.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdio>
#include <ctime>
#include <memory>
#include <string>

#include "protocol_parser.h"
#include "tls_fields.h"

namespace vigil::applayer {
namespace {

constexpr size_t kMaxRecord = 16384 + 2048;  // TLSCiphertext limit

class TlsEve final : public TxEveSource {
 public:
  const TlsFields* fields = nullptr;
  nlohmann::json eve() const override { return {{"tls", tls_eve(*fields)}}; }
};

class TlsParser final : public ProtocolParser {
 public:
  explicit TlsParser(const AppLayerOptions& options)
      : handshake_limit_(options.tls_handshake_limit), raw_limit_(options.tls_raw_limit) {}

  void on_data(Direction direction, std::string_view bytes, Emitter& out) override {
    Side& side = sides_[static_cast<size_t>(direction)];
    if (side.stopped) return;
    if (!side.delivered && side.raw.size() < raw_limit_) side.raw.append(bytes.substr(0, raw_limit_ - side.raw.size()));
    side.record.append(bytes);
    size_t at = 0;
    while (!side.stopped && side.record.size() - at >= 5) {
      const std::string_view head(side.record.data() + at, 5);
      const uint8_t type = static_cast<uint8_t>(head[0]);
      const size_t length = read_u16(head, 3);
      if (static_cast<uint8_t>(head[1]) != 3 || length > kMaxRecord) {
        out.anomaly("tls.invalid_record");
        stop(direction, out);
        break;
      }
      if (side.record.size() - at - 5 < length) break;
      const std::string_view body(side.record.data() + at + 5, length);
      at += 5 + length;
      if (type == 22) {
        handshake(direction, body, out);
      } else {
        // ChangeCipherSpec, alert or application data: the clear part of this side is over.
        stop(direction, out);
      }
    }
    if (!side.stopped) side.record.erase(0, at);
  }

  void on_gap(Direction direction, Emitter& out) override { stop(direction, out); }

  void on_close(Emitter& out) override {
    stop(Direction::to_server, out);
    stop(Direction::to_client, out);
  }

  bool done() const override { return sides_[0].stopped && sides_[1].stopped; }

  size_t memory() const override {
    return sizeof(*this) + sides_[0].record.capacity() + sides_[0].message.capacity() + sides_[0].raw.capacity() +
           sides_[1].record.capacity() + sides_[1].message.capacity() + sides_[1].raw.capacity() + fields_.memory();
  }

 private:
  struct Side {
    std::string record;   // bytes of the record being completed
    std::string message;  // a handshake message spread over several records
    std::string raw;      // the side's bytes as received, until delivered (Transaction::raw)
    bool stopped = false;
    bool delivered = false;
  };

  void handshake(Direction direction, std::string_view body, Emitter& out) {
    Side& side = sides_[static_cast<size_t>(direction)];
    std::string_view input = body;
    if (!side.message.empty()) {
      side.message.append(body);
      input = side.message;
    }
    size_t at = 0;
    while (input.size() - at >= 4) {
      const uint8_t type = static_cast<uint8_t>(input[at]);
      const size_t length = read_u24(input, at + 1);
      if (length > handshake_limit_) {
        out.anomaly("tls.handshake_too_long");
        stop(direction, out);
        return;
      }
      if (input.size() - at - 4 < length) break;
      message(direction, type, input.substr(at + 4, length), out);
      at += 4 + length;
      if (side.stopped) return;
    }
    std::string rest(input.substr(at));
    side.message = std::move(rest);
  }

  void message(Direction direction, uint8_t type, std::string_view body, Emitter& out) {
    switch (type) {
      case 1:  // ClientHello
        if (direction != Direction::to_server) break;
        if (!parse_client_hello(body, fields_)) out.anomaly("tls.invalid_handshake_message");
        deliver(Direction::to_server, out);
        stop(direction, out);  // nothing the rules inspect follows from the client
        break;
      case 2:  // ServerHello
        if (direction != Direction::to_client) break;
        if (!parse_server_hello(body, fields_)) out.anomaly("tls.invalid_handshake_message");
        // TLS 1.3 encrypts the rest of the server's handshake.
        if (fields_.server_version == 0x0304) stop(direction, out);
        break;
      case 11:  // Certificate
        if (direction != Direction::to_client) break;
        if (!parse_certificates(body, fields_)) out.anomaly("tls.invalid_certificate");
        break;
      case 14:  // ServerHelloDone: the server's clear handshake is complete
        if (direction == Direction::to_client) stop(direction, out);
        break;
      default:
        break;
    }
  }

  // A side is delivered once: the client's at its hello, the server's when its clear part ends.
  void stop(Direction direction, Emitter& out) {
    Side& side = sides_[static_cast<size_t>(direction)];
    if (side.stopped) return;
    side.stopped = true;
    std::string().swap(side.record);
    std::string().swap(side.message);
    if (direction == Direction::to_client && fields_.server_hello_seen) deliver(direction, out);
    std::string().swap(side.raw);  // a side that ended without its transaction
  }

  void deliver(Direction direction, Emitter& out) {
    Side& side = sides_[static_cast<size_t>(direction)];
    if (side.delivered) return;
    side.delivered = true;
    list_.clear();
    // The client's buffers ride with the server's side: one TLS transaction per flow.
    list_.add_if(BufferId::tls_sni, fields_.sni);
    if (fields_.client_hello_seen) {
      list_.add(BufferId::ja3_string, fields_.ja3_string);
      list_.add(BufferId::ja3_hash, fields_.ja3_hash);
    }
    if (direction == Direction::to_client) {
      list_.add(BufferId::ja3s_string, fields_.ja3s_string);
      list_.add(BufferId::ja3s_hash, fields_.ja3s_hash);
      list_.add_if(BufferId::tls_cert_subject, fields_.subject);
      list_.add_if(BufferId::tls_cert_issuer, fields_.issuer);
      list_.add_if(BufferId::tls_cert_serial, fields_.serial);
      list_.add_if(BufferId::tls_cert_fingerprint, fields_.fingerprint);
      for (const std::string& der : fields_.certificates) list_.add(BufferId::tls_certs, der);
    }
    eve_.fields = &fields_;
    Transaction tx;
    tx.proto = AppProto::tls;
    tx.direction = direction;
    tx.id = 0;
    tx.buffers = list_.sorted();
    tx.values.tls_version = fields_.version();
    tx.raw = side.raw;
    tx.eve_source = &eve_;
    out.transaction(tx);
    std::string().swap(side.raw);
    if (direction == Direction::to_client) fields_.certificates.clear();
  }

  size_t handshake_limit_;
  size_t raw_limit_;
  Side sides_[2];
  TlsFields fields_;
  BufferList list_;
  TlsEve eve_;
};

}  // namespace

std::unique_ptr<ProtocolParser> make_tls_parser(const AppLayerOptions& options) {
  return std::make_unique<TlsParser>(options);
}

}  // namespace vigil::applayer
