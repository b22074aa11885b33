// Forwarders deliver incident records to the outside: RFC 5424 syslog with a CEF payload over TCP (layer 2
// partners, SIEMs) and an EVE JSON file (Filebeat and friends). ForwardPump moves records from a
// ForwardSpool to a Forwarder, acknowledging only what was delivered and backing off while the far end is
// down, so nothing is lost. Thread contract: one thread (the daemon's forwarding timer) per pump; a
// forwarder and its spool belong to that pump.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "vigil/core/incident.h"
#include "vigil/core/result.h"
#include "vigil/core/time.h"
#include "vigil/correlator/forward_spool.h"

namespace vigil::correlator {

class Forwarder {
 public:
  virtual ~Forwarder() = default;
  // Delivers every record or fails; a failure may have delivered a prefix (receivers deduplicate by the
  // incident id and last change in the record).
  virtual Result<void> deliver(std::span<const std::string> records) = 0;
};

// One RFC 5424 message: "<PRI>1 TIMESTAMP HOST vigil - incident - CEF:0|vigil|vigil|1|rule|title|sev|ext".
// PRI uses facility local4 (20) and a syslog severity from the incident's; CEF severity 3/5/8/10.
std::string format_syslog_cef(const Incident& incident, std::string_view hostname);

// TLS for the syslog connection (RFC 5425): the collector's certificate must chain to `ca_file` and name
// `server_name` (a host name, or the IP address connected to when empty); a client certificate is sent
// when `cert_file`/`key_file` are set (mutual TLS with the layer-2 partner).
struct TlsClientOptions {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;
};

// RFC 6587 octet-counted frames ("LEN SP MSG") over one TCP (or TLS) connection to an IPv4/IPv6 address
// literal, reconnecting on the next delivery after any error.
class SyslogTcpForwarder final : public Forwarder {
 public:
  SyslogTcpForwarder(std::string address, uint16_t port);
  SyslogTcpForwarder(std::string address, uint16_t port, TlsClientOptions tls);
  ~SyslogTcpForwarder() override;
  Result<void> deliver(std::span<const std::string> records) override;

 private:
  struct Tls;  // OpenSSL state, kept out of this header
  Result<void> connect();
  Result<void> start_tls();
  Result<void> send_all(std::string_view data);
  void disconnect();

  std::string address_;
  uint16_t port_;
  std::optional<TlsClientOptions> tls_options_;
  std::unique_ptr<Tls> tls_;
  int fd_ = -1;
};

// Appends each record as one line to a file and syncs it.
class EveFileForwarder final : public Forwarder {
 public:
  explicit EveFileForwarder(std::filesystem::path path) : path_(std::move(path)) {}
  Result<void> deliver(std::span<const std::string> records) override;

 private:
  std::filesystem::path path_;
};

struct PumpOptions {
  size_t batch = 100;
  Duration first_backoff = seconds(1);
  Duration max_backoff = minutes(5);
};

class ForwardPump {
 public:
  ForwardPump(ForwardSpool& spool, Forwarder& forwarder, PumpOptions options = {})
      : spool_(&spool), forwarder_(&forwarder), options_(options) {}

  // Delivers pending records in batches until the spool is empty or delivery fails. After a failure it
  // does nothing until `now` reaches the retry time (doubling backoff). Returns how many were delivered;
  // an Error only when the spool itself fails.
  Result<size_t> pump(Timestamp now);
  uint64_t failures() const { return failures_; }
  Timestamp retry_at() const { return retry_at_; }

 private:
  ForwardSpool* spool_;
  Forwarder* forwarder_;
  PumpOptions options_;
  Timestamp retry_at_ = 0;
  Duration backoff_ = 0;
  uint64_t failures_ = 0;
};

}  // namespace vigil::correlator
