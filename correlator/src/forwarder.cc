#include "vigil/correlator/forwarder.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace vigil::correlator {

namespace {

// CEF: header fields escape '\' and '|'; extension values escape '\', '=' and line breaks.
std::string cef_header(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '|') out += '\\';
    out += (c == '\r' || c == '\n') ? ' ' : c;
  }
  return out;
}

std::string cef_value(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '=') out += '\\';
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out;
}

int cef_severity(Severity severity) {
  switch (severity) {
    case Severity::low: return 3;
    case Severity::medium: return 5;
    case Severity::high: return 8;
    case Severity::critical: return 10;
  }
  return 5;
}

// Syslog severities: critical 2, error 3, warning 4, notice 5.
int syslog_severity(Severity severity) { return 5 - static_cast<int>(severity); }

// RFC 5424 wants RFC 3339 with a colon in the offset; EVE time has "+0000".
std::string rfc3339(Timestamp ts) {
  std::string text = format_timestamp(ts);
  if (text.size() > 5 && (text[text.size() - 5] == '+' || text[text.size() - 5] == '-')) text.insert(text.size() - 2, ":");
  return text;
}

Error net_error(const std::string& what) { return Error{ErrorCode::io_error, what + ": " + std::strerror(errno)}; }

}  // namespace

std::string format_syslog_cef(const Incident& incident, std::string_view hostname) {
  const int pri = 20 * 8 + syslog_severity(incident.severity);
  Timestamp changed = incident.timeline.empty() ? incident.last_seen : incident.timeline.back().time;
  std::string out = "<" + std::to_string(pri) + ">1 " + rfc3339(changed) + " " +
                    std::string(hostname.empty() ? "-" : hostname) + " vigil - incident - ";
  out += "CEF:0|vigil|vigil|1|" + cef_header(incident.rule_id) + "|" + cef_header(incident.title) + "|" +
         std::to_string(cef_severity(incident.severity)) + "|";
  std::string ext = "externalId=" + cef_value(incident.id) + " cat=" + cef_value(incident.category) +
                    " outcome=" + cef_value(to_string(incident.state)) + " cs1Label=layer cs1=" +
                    std::to_string(incident.layer) + " cs2Label=tlp cs2=" + cef_value(incident.tlp) +
                    " cnt=" + std::to_string(incident.event_count) + " start=" +
                    std::to_string(incident.first_seen / 1000) + " end=" + std::to_string(incident.last_seen / 1000);
  std::string agencies;
  for (const auto& agency : incident.agencies) agencies += (agencies.empty() ? "" : ",") + agency;
  if (!agencies.empty()) ext += " cs3Label=agencies cs3=" + cef_value(agencies);
  for (const auto& observable : incident.observables) {
    if (observable.type == "ip") {
      ext += " cs4Label=ip cs4=" + cef_value(observable.value);
      break;
    }
  }
  if (incident.drill) ext += " cs5Label=drill cs5=true";
  return out + ext;
}

struct SyslogTcpForwarder::Tls {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  ~Tls() {
    if (ssl) SSL_free(ssl);
    if (ctx) SSL_CTX_free(ctx);
  }
};

namespace {

Error tls_error(const std::string& what) {
  std::string detail;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    detail = buffer;  // the last one is the most specific
  }
  return Error{ErrorCode::io_error, what + (detail.empty() ? "" : ": " + detail)};
}

}  // namespace

SyslogTcpForwarder::SyslogTcpForwarder(std::string address, uint16_t port)
    : address_(std::move(address)), port_(port) {}

SyslogTcpForwarder::SyslogTcpForwarder(std::string address, uint16_t port, TlsClientOptions tls)
    : address_(std::move(address)), port_(port), tls_options_(std::move(tls)) {}

SyslogTcpForwarder::~SyslogTcpForwarder() { disconnect(); }

void SyslogTcpForwarder::disconnect() {
  if (tls_ && tls_->ssl) {
    SSL_free(tls_->ssl);
    tls_->ssl = nullptr;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<void> SyslogTcpForwarder::start_tls() {
  const TlsClientOptions& options = *tls_options_;
  if (!tls_) tls_ = std::make_unique<Tls>();
  if (!tls_->ctx) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) return fail(tls_error("syslog TLS: cannot create a context"));
    tls_->ctx = ctx;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    if (SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) != 1) {
      Error error = tls_error("syslog TLS: cannot load CA " + options.ca_file);
      SSL_CTX_free(ctx);
      tls_->ctx = nullptr;
      return fail(error);
    }
    if (!options.cert_file.empty() &&
        (SSL_CTX_use_certificate_chain_file(ctx, options.cert_file.c_str()) != 1 ||
         SSL_CTX_use_PrivateKey_file(ctx, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1)) {
      Error error = tls_error("syslog TLS: cannot load client certificate " + options.cert_file);
      SSL_CTX_free(ctx);
      tls_->ctx = nullptr;
      return fail(error);
    }
  }
  tls_->ssl = SSL_new(tls_->ctx);
  if (!tls_->ssl) return fail(tls_error("syslog TLS: cannot create a session"));
  SSL_set_fd(tls_->ssl, fd_);
  const std::string& name = options.server_name.empty() ? address_ : options.server_name;
  X509_VERIFY_PARAM* param = SSL_get0_param(tls_->ssl);
  in6_addr probe{};
  bool is_ip = ::inet_pton(AF_INET, name.c_str(), &probe) == 1 || ::inet_pton(AF_INET6, name.c_str(), &probe) == 1;
  if (is_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
  } else {
    // SSL_set_tlsext_host_name is a macro with a C cast (-Wold-style-cast); this is what it expands to.
    SSL_ctrl(tls_->ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(name.c_str()));
    SSL_set1_host(tls_->ssl, name.c_str());
  }
  if (SSL_connect(tls_->ssl) != 1) {
    return fail(tls_error("syslog TLS: handshake with " + address_ + ":" + std::to_string(port_) + " failed"));
  }
  return ok();
}

Result<void> SyslogTcpForwarder::connect() {
  sockaddr_storage addr{};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (::inet_pton(AF_INET, address_.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port_);
    length = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, address_.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port_);
    length = sizeof(sockaddr_in6);
  } else {
    return fail(ErrorCode::invalid_argument, "syslog forwarder: '" + address_ + "' is not an IP address");
  }
  int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(net_error("syslog forwarder: socket"));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), length) != 0) {
    Error error = net_error("syslog forwarder: cannot connect to " + address_ + ":" + std::to_string(port_));
    ::close(fd);
    return fail(error);
  }
  fd_ = fd;
  if (tls_options_) {
    if (auto secured = start_tls(); !secured) {
      disconnect();
      return secured;
    }
  }
  return ok();
}

Result<void> SyslogTcpForwarder::send_all(std::string_view data) {
  size_t sent = 0;
  while (sent < data.size()) {
    if (tls_ && tls_->ssl) {
      int n = SSL_write(tls_->ssl, data.data() + sent, static_cast<int>(std::min<size_t>(data.size() - sent, 1 << 30)));
      if (n <= 0) return fail(tls_error("syslog forwarder: TLS send to " + address_ + ":" + std::to_string(port_)));
      sent += static_cast<size_t>(n);
      continue;
    }
    // MSG_NOSIGNAL: a peer that went away is an error to retry, not a SIGPIPE for the daemon.
    ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(net_error("syslog forwarder: send to " + address_ + ":" + std::to_string(port_)));
    sent += static_cast<size_t>(n);
  }
  return ok();
}

Result<void> SyslogTcpForwarder::deliver(std::span<const std::string> records) {
  if (fd_ >= 0) {
    // A collector that closed the connection (a restart) still accepts our next send into the
    // kernel's buffer, and those records would be acknowledged and lost. A collector never sends
    // anything back, so end-of-stream or an error pending on the socket means: connect afresh.
    char probe = 0;
    const ssize_t n = ::recv(fd_, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) disconnect();
  }
  if (fd_ < 0) {
    if (auto connected = connect(); !connected) return connected;
  }
  std::string frames;
  for (const auto& record : records) frames += std::to_string(record.size()) + " " + record;
  if (auto sent = send_all(frames); !sent) {
    disconnect();
    return sent;
  }
  return ok();
}

Result<void> EveFileForwarder::deliver(std::span<const std::string> records) {
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return fail(net_error("EVE forwarder: cannot open " + path_.string()));
  std::string lines;
  for (const auto& record : records) lines += record + "\n";
  size_t written = 0;
  while (written < lines.size()) {
    ssize_t n = ::write(fd, lines.data() + written, lines.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error error = net_error("EVE forwarder: cannot write " + path_.string());
      ::close(fd);
      return fail(error);
    }
    written += static_cast<size_t>(n);
  }
  bool synced = ::fdatasync(fd) == 0;
  ::close(fd);
  if (!synced) return fail(net_error("EVE forwarder: cannot sync " + path_.string()));
  return ok();
}

Result<size_t> ForwardPump::pump(Timestamp now) {
  if (now < retry_at_) return size_t{0};
  size_t delivered = 0;
  while (spool_->pending_count() > 0) {
    auto batch = spool_->pending(options_.batch);
    if (!batch) return fail(batch.error());
    if (batch->empty()) break;
    if (auto sent = forwarder_->deliver(*batch); !sent) {
      ++failures_;
      backoff_ = backoff_ == 0 ? options_.first_backoff : std::min(backoff_ * 2, options_.max_backoff);
      retry_at_ = now + backoff_;
      return delivered;
    }
    if (auto acked = spool_->acknowledge(batch->size()); !acked) return fail(acked.error());
    delivered += batch->size();
  }
  backoff_ = 0;
  retry_at_ = 0;
  return delivered;
}

}  // namespace vigil::correlator
