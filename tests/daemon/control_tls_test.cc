// The control API over TLS with client certificates: the TLS contexts in-process (what a handshake
// accepts and refuses, the subject it reports), then a real vigild reached with certificates from a
// test CA: roles from the certificate subject, refusals logged, the CLI over TLS, the audit chain.
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <optional>

#include "run_command.h"
#include "test_pki.h"
#include "tls_context.h"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using vigil::daemon::make_mtls_client_context;
using vigil::daemon::make_mtls_server_context;
using vigil::daemon::peer_subject;
using vigil::daemon::TlsFiles;
using vigil::test::TempDir;
using vigil::test::TestCa;

namespace {

struct HandshakeOutcome {
  boost::system::error_code server_error;
  boost::system::error_code client_error;
  std::string subject_seen_by_server;
  std::string subject_seen_by_client;
};

// One handshake between a server and a client context over loopback TCP, both ends on one io_context.
HandshakeOutcome handshake(asio::ssl::context& server_context, asio::ssl::context& client_context) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  asio::ssl::stream<tcp::socket> server(io, server_context);
  asio::ssl::stream<tcp::socket> client(io, client_context);
  HandshakeOutcome outcome;
  acceptor.async_accept(server.next_layer(), [&](boost::system::error_code ec) {
    if (ec) {
      outcome.server_error = ec;
      return;
    }
    server.async_handshake(asio::ssl::stream_base::server, [&](boost::system::error_code hs) {
      outcome.server_error = hs;
      if (!hs) outcome.subject_seen_by_server = peer_subject(server.native_handle());
      // A failed handshake closes the socket so the client's side ends too.
      if (hs) server.next_layer().close();
    });
  });
  client.next_layer().async_connect(acceptor.local_endpoint(), [&](boost::system::error_code ec) {
    if (ec) {
      outcome.client_error = ec;
      return;
    }
    client.async_handshake(asio::ssl::stream_base::client, [&](boost::system::error_code hs) {
      outcome.client_error = hs;
      if (!hs) outcome.subject_seen_by_client = peer_subject(client.native_handle());
      if (hs) client.next_layer().close();
    });
  });
  io.run();
  return outcome;
}

TlsFiles files(const TestCa::Issued& issued, const TestCa& ca) { return {issued.cert, issued.key, ca.ca_cert()}; }

}  // namespace

TEST_CASE("mTLS contexts: a client certificate from the CA is accepted and its subject read",
          "[daemon][tls]") {
  TempDir dir;
  TestCa ca(dir.file("ca"));
  auto server = make_mtls_server_context(files(ca.issue("server", "vigild", "", true), ca));
  REQUIRE(server);
  auto client = make_mtls_client_context(files(ca.issue("alice", "alice", "responders"), ca));
  REQUIRE(client);
  const auto outcome = handshake(**server, **client);
  INFO(outcome.server_error.message() << " / " << outcome.client_error.message());
  CHECK_FALSE(outcome.server_error);
  CHECK_FALSE(outcome.client_error);
  CHECK(outcome.subject_seen_by_server == "CN=alice,OU=responders,O=vigil test");
  CHECK(outcome.subject_seen_by_client == "CN=vigild,O=vigil test");
}

TEST_CASE("mTLS contexts: no client certificate, or one from another CA, fails the handshake", "[daemon][tls]") {
  TempDir dir;
  TestCa ca(dir.file("ca"));
  TestCa rogue(dir.file("rogue"), "rogue CA");
  auto server = make_mtls_server_context(files(ca.issue("server", "vigild", "", true), ca));
  REQUIRE(server);

  SECTION("no certificate") {
    asio::ssl::context bare(asio::ssl::context::tls_client);
    REQUIRE(SSL_CTX_load_verify_locations(bare.native_handle(), ca.ca_cert().c_str(), nullptr) == 1);
    bare.set_verify_mode(asio::ssl::verify_peer);
    const auto outcome = handshake(**server, bare);
    CHECK(outcome.server_error);
    CHECK(outcome.subject_seen_by_server.empty());
  }
  SECTION("a certificate from another CA") {
    // The rogue client trusts the real server, so only the server's check can refuse it.
    const auto issued = rogue.issue("mallory", "alice", "responders");
    auto client = make_mtls_client_context({issued.cert, issued.key, ca.ca_cert()});
    REQUIRE(client);
    const auto outcome = handshake(**server, **client);
    CHECK(outcome.server_error);
    CHECK(outcome.subject_seen_by_server.empty());
  }
  SECTION("a server from another CA is refused by the client") {
    auto rogue_server = make_mtls_server_context(files(rogue.issue("server", "vigild", "", true), rogue));
    REQUIRE(rogue_server);
    auto client = make_mtls_client_context(files(ca.issue("alice", "alice"), ca));
    REQUIRE(client);
    const auto outcome = handshake(**rogue_server, **client);
    CHECK(outcome.client_error);
  }
}

TEST_CASE("mTLS contexts: errors name the file and the reason", "[daemon][tls]") {
  TempDir dir;
  TestCa ca(dir.file("ca"));
  const auto alice = ca.issue("alice", "alice");
  const auto bob = ca.issue("bob", "bob");

  auto missing = make_mtls_server_context({dir.file("nope.pem"), alice.key, ca.ca_cert()});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find(dir.file("nope.pem")) != std::string::npos);
  CHECK(missing.error().message.find("cannot read the file") != std::string::npos);

  auto mismatched = make_mtls_client_context({alice.cert, bob.key, ca.ca_cert()});
  REQUIRE_FALSE(mismatched);
  CHECK(mismatched.error().message.find("does not match certificate " + alice.cert.string()) != std::string::npos);

  vigil::test::write_file(dir.file("garbage.pem"), "not a certificate\n");
  auto bad_ca = make_mtls_server_context({alice.cert, alice.key, dir.file("garbage.pem")});
  REQUIRE_FALSE(bad_ca);
  CHECK(bad_ca.error().message.find("CA file " + dir.file("garbage.pem")) != std::string::npos);

  auto bad_cert = make_mtls_server_context({dir.file("garbage.pem"), alice.key, ca.ca_cert()});
  REQUIRE_FALSE(bad_cert);
  CHECK(bad_cert.error().message.find("certificate " + dir.file("garbage.pem")) != std::string::npos);
}
