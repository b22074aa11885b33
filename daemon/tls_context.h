// TLS contexts for the daemon's mutually authenticated links (the control API over TLS, the sensor
// link): both ends present a certificate from the configured CA and verify the other's. Files are read
// once, when the context is made; errors name the file and OpenSSL's reason.
// Thread contract: make_* are pure functions of the files; a context is then shared read-only by the
// streams built on it (OpenSSL's SSL_CTX is safe for that); peer_subject on the stream's thread.
#pragma once

// Boost 1.74's Asio uses std::exchange without including <utility> (g++ 12, C++20).
#include <utility>

#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "vigil/core/result.h"

namespace vigil::daemon {

struct TlsFiles {
  std::filesystem::path cert;  // PEM, this end's certificate (a chain may follow it)
  std::filesystem::path key;   // PEM, its private key, unencrypted
  std::filesystem::path ca;    // PEM, the CA(s) the other end's certificate must chain to
};

// TLS >= 1.2 server context that demands a client certificate signed by `ca`: a peer without one fails
// the handshake.
Result<std::shared_ptr<boost::asio::ssl::context>> make_mtls_server_context(const TlsFiles& files);
// Client context presenting cert/key and verifying the server's certificate against `ca`.
Result<std::shared_ptr<boost::asio::ssl::context>> make_mtls_client_context(const TlsFiles& files);

// The verified peer certificate's subject as one RFC 2253 line ("CN=alice,OU=responders,O=So TTTT");
// "" if none.
std::string peer_subject(const SSL* ssl);

// The reason of the most recent OpenSSL error on this thread (and clears the queue); "" if none. For log
// lines about a failed handshake, where Asio's message alone says little.
std::string last_openssl_error();

}  // namespace vigil::daemon
