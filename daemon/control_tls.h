// ControlTlsServer: the control API over TLS with client certificates (`control.tls`). A client must
// present a certificate from the configured CA; the handshake of one that does not fails and the
// refusal is logged with the peer's address and OpenSSL's reason. The certificate's subject is the
// caller (the actor in the audit chain) and decides its role through `control.tls.roles`; an
// unmatched subject gets no role. After the handshake the same line protocol and ControlApi run as on
// the Unix socket (control_connection.h).
// Thread contract: everything on the control io_context's thread.
#pragma once

// Boost 1.74's Asio uses std::exchange without including <utility> (g++ 12, C++20).
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config.h"
#include "control_api.h"
#include "control_connection.h"
#include "vigil/core/result.h"

namespace vigil::daemon {

// The parts of a certificate subject that role mappings look at.
struct CertificateName {
  std::string subject;  // RFC 2253, as peer_subject() gives it
  std::string cn;       // the (last) commonName
  std::vector<std::string> ous;  // every organizationalUnitName
  std::string o;        // the (last) organizationName
};
CertificateName certificate_name(const SSL* ssl);

// First mapping whose every given field matches (subject exactly; cn, o exactly; ou any of the
// subject's OUs); Role::none when none does.
Role role_for_certificate(const ControlTlsConfig& tls, const CertificateName& name);

// "127.0.0.1:7443", "[::1]:7443", "localhost:7443"; port 0 picks a free port.
Result<boost::asio::ip::tcp::endpoint> parse_tcp_endpoint(const std::string& text);

class ControlTlsServer {
 public:
  ControlTlsServer(boost::asio::io_context& io, const ControlConfig& config, ControlApi& api);
  ~ControlTlsServer();

  // Reads the certificate files and listens on control.tls.listen.
  Result<void> listen();
  // The address actually listened on (the chosen port when the config said 0).
  std::string local_address() const;
  // Closes the listener and every connection, handshaking or not.
  void close();

 private:
  class Handshake;
  void accept();
  void accept_later();
  void on_handshake(const std::shared_ptr<Handshake>& pending, boost::system::error_code ec);

  boost::asio::io_context& io_;
  ControlConfig config_;
  ControlApi& api_;
  std::shared_ptr<boost::asio::ssl::context> context_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  std::map<Handshake*, std::shared_ptr<Handshake>> handshakes_;
  std::map<ControlConnectionBase*, std::shared_ptr<ControlConnectionBase>> connections_;
  bool listening_ = false;
};

}  // namespace vigil::daemon
