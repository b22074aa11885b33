#include "control_tls.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/stream.hpp>
#include <chrono>

#include <spdlog/spdlog.h>

#include "tls_context.h"

namespace vigil::daemon {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using TlsStream = asio::ssl::stream<tcp::socket>;

namespace {

// A client that connects and never finishes its handshake must not hold a connection slot for ever.
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
// After a failed accept (EMFILE: out of file descriptors) wait before the next, not spin on the error.
constexpr auto kAcceptRetry = std::chrono::milliseconds(200);

std::string entry_text(const X509_NAME_ENTRY* entry) {
  unsigned char* utf8 = nullptr;
  const int size = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
  if (size < 0) return "";
  std::string text(reinterpret_cast<char*>(utf8), static_cast<size_t>(size));
  OPENSSL_free(utf8);
  return text;
}

std::string endpoint_text(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  return (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
         std::to_string(endpoint.port());
}

}  // namespace

CertificateName certificate_name(const SSL* ssl) {
  CertificateName name;
  name.subject = peer_subject(ssl);
  if (name.subject.empty()) return name;
  const X509_NAME* subject = X509_get_subject_name(SSL_get0_peer_certificate(ssl));
  for (int i = 0; i < X509_NAME_entry_count(subject); ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(subject, i);
    switch (OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry))) {
      case NID_commonName: name.cn = entry_text(entry); break;
      case NID_organizationalUnitName: name.ous.push_back(entry_text(entry)); break;
      case NID_organizationName: name.o = entry_text(entry); break;
      default: break;
    }
  }
  return name;
}

Role role_for_certificate(const ControlTlsConfig& tls, const CertificateName& name) {
  if (name.subject.empty()) return Role::none;
  for (const CertRoleMapping& m : tls.roles) {
    if (!m.subject.empty() && m.subject != name.subject) continue;
    if (!m.cn.empty() && m.cn != name.cn) continue;
    if (!m.o.empty() && m.o != name.o) continue;
    if (!m.ou.empty() && std::find(name.ous.begin(), name.ous.end(), m.ou) == name.ous.end()) continue;
    return m.role;
  }
  return Role::none;
}

Result<tcp::endpoint> parse_tcp_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return fail(ErrorCode::invalid_argument, "'" + text + "' is not address:port (127.0.0.1:7443, [::1]:7443)");
  }
  std::string host = text.substr(0, colon);
  const std::string port_text = text.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  unsigned long port = 0;
  try {
    size_t used = 0;
    port = std::stoul(port_text, &used);
    if (used != port_text.size() || port > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    return fail(ErrorCode::invalid_argument, "'" + text + "': the port must be a number from 0 to 65535");
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return fail(ErrorCode::invalid_argument, "'" + text + "': '" + host + "' is not an IP address");
  return tcp::endpoint(address, static_cast<uint16_t>(port));
}

// One accepted TCP connection until its TLS handshake ends, one way or the other.
class ControlTlsServer::Handshake {
 public:
  Handshake(tcp::socket socket, asio::ssl::context& context)
      : stream(std::move(socket), context), timer(stream.get_executor()) {
    boost::system::error_code ec;
    const auto remote = stream.next_layer().remote_endpoint(ec);
    peer = ec ? "unknown peer" : endpoint_text(remote);
  }

  TlsStream stream;
  asio::steady_timer timer;
  std::string peer;
  bool timed_out = false;
};

ControlTlsServer::ControlTlsServer(asio::io_context& io, const ControlConfig& config, ControlApi& api)
    : io_(io), config_(config), api_(api), acceptor_(io), retry_timer_(io) {}

ControlTlsServer::~ControlTlsServer() { close(); }

Result<void> ControlTlsServer::listen() {
  const ControlTlsConfig& tls = config_.tls;
  auto context = make_mtls_server_context({tls.cert, tls.key, tls.ca});
  if (!context) return fail(context.error().with_context("control.tls"));
  context_ = std::move(*context);
  auto endpoint = parse_tcp_endpoint(tls.listen);
  if (!endpoint) return fail(endpoint.error().with_context("control.tls.listen"));
  boost::system::error_code error;
  acceptor_.open(endpoint->protocol(), error);
  if (!error) acceptor_.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor_.bind(*endpoint, error);
  if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return fail(ErrorCode::io_error, "control.tls.listen: cannot listen on " + tls.listen + ": " + error.message());
  }
  listening_ = true;
  accept();
  return ok();
}

std::string ControlTlsServer::local_address() const {
  boost::system::error_code ec;
  const auto endpoint = acceptor_.local_endpoint(ec);
  return ec ? "" : endpoint_text(endpoint);
}

void ControlTlsServer::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      spdlog::warn("control TLS: accept failed: {}; retrying shortly", ec.message());
      return accept_later();
    }
    if (handshakes_.size() + connections_.size() >= config_.max_connections) {
      boost::system::error_code ignored;
      const auto remote = socket.remote_endpoint(ignored);
      spdlog::warn("control TLS: refused {}: {} connections already open (control.max_connections)",
                   ignored ? "unknown peer" : endpoint_text(remote), config_.max_connections);
      socket.close(ignored);
      return accept();
    }
    auto pending = std::make_shared<Handshake>(std::move(socket), *context_);
    handshakes_.emplace(pending.get(), pending);
    pending->timer.expires_after(kHandshakeTimeout);
    pending->timer.async_wait([pending](boost::system::error_code timer_ec) {
      if (timer_ec) return;  // cancelled: the handshake ended first
      pending->timed_out = true;
      boost::system::error_code ignored;
      pending->stream.next_layer().close(ignored);
    });
    pending->stream.async_handshake(asio::ssl::stream_base::server,
                                    [this, pending](boost::system::error_code hs) { on_handshake(pending, hs); });
    accept();
  });
}

void ControlTlsServer::accept_later() {
  retry_timer_.expires_after(kAcceptRetry);
  retry_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec && acceptor_.is_open()) accept();
  });
}

void ControlTlsServer::on_handshake(const std::shared_ptr<Handshake>& pending, boost::system::error_code ec) {
  pending->timer.cancel();
  if (handshakes_.erase(pending.get()) == 0) return;  // the server closed meanwhile
  if (ec) {
    std::string reason = pending->timed_out ? "no TLS handshake within 10 s" : ec.message();
    const long verify = SSL_get_verify_result(pending->stream.native_handle());
    if (!pending->timed_out && verify != X509_V_OK) {
      reason += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
    }
    spdlog::warn("control TLS: refused {}: {}", pending->peer, reason);
    boost::system::error_code ignored;
    pending->stream.next_layer().close(ignored);
    return;
  }
  const CertificateName name = certificate_name(pending->stream.native_handle());
  Caller caller;
  caller.user = name.subject;
  caller.role = role_for_certificate(config_.tls, name);
  caller.via = "tls";
  caller.peer = pending->peer;
  spdlog::info("control TLS: {} connected as {} (role {})", caller.peer, caller.user, to_string(caller.role));
  auto connection = std::make_shared<ControlConnection<TlsStream>>(
      std::move(pending->stream), std::move(caller), api_, config_.max_line_bytes,
      [this](ControlConnectionBase* done) { connections_.erase(done); });
  connections_.emplace(connection.get(), connection);
  connection->start();
}

void ControlTlsServer::close() {
  if (!listening_) return;
  listening_ = false;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_timer_.cancel();
  for (const auto& [raw, pending] : handshakes_) {
    pending->timer.cancel();
    pending->stream.next_layer().close(ignored);
  }
  handshakes_.clear();
  for (const auto& [raw, connection] : connections_) connection->close();
  connections_.clear();
}

}  // namespace vigil::daemon
