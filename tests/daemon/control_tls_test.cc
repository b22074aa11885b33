// The control API over TLS with client certificates: the TLS contexts in-process (what a handshake
// accepts and refuses, the subject it reports), then a real vigild reached with certificates from a
// test CA: roles from the certificate subject, refusals logged, the CLI over TLS, the audit chain.
#include <pthread.h>
#include <signal.h>

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

// ---------------------------------------------------------------------------------------------------
// A real vigild with control.tls, reached with certificates from a TestCa.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "daemon_harness.h"

using nlohmann::json;
using vigil::test::ControlClient;
using vigil::test::DaemonProcess;

namespace {

int connect_tcp(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A blocking TLS line client, as a script or another tool would be: OpenSSL on a plain socket.
// SSL_connect and SSL_write write with write(2): a daemon that has already closed the connection (a
// refused peer, a full connection cap) would kill the test with SIGPIPE. While one lives, this thread
// holds SIGPIPE back; on the way out a pending one is discarded — what MSG_NOSIGNAL does for send().
class SigpipeHeldBack {
 public:
  SigpipeHeldBack() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeHeldBack() {
    const timespec zero{};
    while (sigtimedwait(&pipe_, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeHeldBack(const SigpipeHeldBack&) = delete;
  SigpipeHeldBack& operator=(const SigpipeHeldBack&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_{};
};

class TlsLineClient {
 public:
  // cert/key empty: no client certificate.
  TlsLineClient(uint16_t port, const std::string& ca, const std::string& cert = "", const std::string& key = "") {
    context_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(context_, ca.c_str(), nullptr);
    SSL_CTX_set_verify(context_, SSL_VERIFY_PEER, nullptr);
    if (!cert.empty()) {
      SSL_CTX_use_certificate_chain_file(context_, cert.c_str());
      SSL_CTX_use_PrivateKey_file(context_, key.c_str(), SSL_FILETYPE_PEM);
    }
    fd_ = connect_tcp(port);
    if (fd_ < 0) return;
    ssl_ = SSL_new(context_);
    SSL_set_fd(ssl_, fd_);
    // With TLS 1.3 the server judges the client certificate after the client's handshake is done: a
    // refusal shows as the first read failing, so a round trip is part of "connected".
    const SigpipeHeldBack quiet;
    connected_ = SSL_connect(ssl_) == 1;
    ERR_clear_error();
  }
  ~TlsLineClient() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
    SSL_CTX_free(context_);
  }
  TlsLineClient(const TlsLineClient&) = delete;
  TlsLineClient& operator=(const TlsLineClient&) = delete;

  bool handshake_done() const { return connected_; }
  void send_raw(const std::string& bytes) {
    const SigpipeHeldBack quiet;
    if (connected_) SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
  }
  // The next line; nullopt when the daemon closed the connection (or refused us) or 30 s passed.
  std::optional<std::string> read_line() {
    if (!connected_) return std::nullopt;
    for (;;) {
      const size_t newline = buffer_.find('\n');
      if (newline != std::string::npos) {
        std::string line = buffer_.substr(0, newline);
        buffer_.erase(0, newline + 1);
        return line;
      }
      if (SSL_pending(ssl_) == 0) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 30'000) <= 0) return std::nullopt;
      }
      char chunk[65536];
      const int n = SSL_read(ssl_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }
  json call(const std::string& method, json params = json::object()) {
    send_raw(vigil::test::request(next_id_++, method, std::move(params)).dump() + "\n");
    auto line = read_line();
    return line ? json::parse(*line, nullptr, false) : json();
  }

 private:
  SSL_CTX* context_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool connected_ = false;
  int next_id_ = 1;
  std::string buffer_;
};

constexpr const char* kAdminSubject = "CN=ops-admin,OU=soc,O=vigil test";
constexpr const char* kResponderSubject = "CN=lan,OU=responders,O=vigil test";

// A data dir with the sample's incidents, a CA with a server certificate and one client certificate
// per role (and one no mapping matches), and a config listening on the socket and on TLS.
struct TlsFixture {
  explicit TlsFixture(size_t max_connections = 128) : ca(dir.file("pki")) {
    std::filesystem::create_directories(dir.file("rules"));
    std::filesystem::copy_file(VIGIL_SOURCE_DIR "/config/rules/vigil.rules", dir.file("rules/vigil.rules"));
    const auto replay = vigil::test::run_vigil({"replay", "--data-dir", dir.file("data"), "--rules", dir.file("rules"),
                                                "--correlation", VIGIL_SOURCE_DIR "/config/correlation",
                                                VIGIL_SOURCE_DIR "/samples/sample.pcap"});
    INFO(replay.err);
    REQUIRE(replay.exit_code == 0);
    server = ca.issue("server", "vigild", "", true);
    admin = ca.issue("admin", "ops-admin", "soc");
    responder = ca.issue("responder", "lan", "responders");
    auditor = ca.issue("auditor", "kiem-toan", "auditors");
    liaison = ca.issue("liaison", "liaison-1", "liaison");
    stranger = ca.issue("stranger", "stranger", "visitors");
    vigil::test::write_file(config(),
                            "data_dir: data\n"
                            "rules: {paths: [rules]}\n"
                            "correlation: {paths: [" VIGIL_SOURCE_DIR "/config/correlation]}\n"
                            "control:\n"
                            "  socket: control.sock\n"
                            "  max_line_bytes: 4096\n"
                            "  max_connections: " + std::to_string(max_connections) + "\n"
                            "  roles: [{uid: " + std::to_string(::geteuid()) + ", role: admin}]\n"
                            "  tls:\n"
                            "    listen: 127.0.0.1:0\n"
                            "    cert: pki/server.pem\n"
                            "    key: pki/server.key\n"
                            "    ca: pki/ca.pem\n"
                            "    roles:\n"
                            "      - {cn: ops-admin, ou: soc, role: admin}\n"
                            "      - {ou: responders, role: responder}\n"
                            "      - {ou: auditors, role: auditor}\n"
                            "      - {subject: 'CN=liaison-1,OU=liaison,O=vigil test', role: liaison}\n");
  }

  // The TLS port vigild chose, from its status over the Unix socket.
  uint16_t tls_port() {
    ControlClient local(socket());
    const std::string address = local.call("status")["result"]["control"]["tls"].get<std::string>();
    REQUIRE(address.rfind("127.0.0.1:", 0) == 0);
    return static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
  }
  std::unique_ptr<TlsLineClient> connect_as(const TestCa::Issued& who) {
    return std::make_unique<TlsLineClient>(port, ca.ca_cert(), who.cert, who.key);
  }
  std::string config() const { return dir.file("vigil.yaml"); }
  std::string socket() const { return dir.file("control.sock"); }
  std::string log() const { return dir.file("vigild.log"); }

  TempDir dir;
  TestCa ca;
  TestCa::Issued server, admin, responder, auditor, liaison, stranger;
  uint16_t port = 0;
};

std::string first_new_incident(TlsLineClient& client) {
  const json reply = client.call("incidents.list", {{"state", "new"}, {"limit", 1}});
  REQUIRE(reply.contains("result"));
  REQUIRE_FALSE(reply["result"]["incidents"].empty());
  return reply["result"]["incidents"][0]["id"].get<std::string>();
}

int error_code(const json& reply) { return reply.contains("error") ? reply["error"]["code"].get<int>() : 0; }

}  // namespace

TEST_CASE("control over TLS: each certificate gets its role, is refused the rest, and is the actor in the audit chain",
          "[daemon][control][tls][integration]") {
  TlsFixture f;
  DaemonProcess daemon(f.config(), f.socket(), f.log());
  INFO(vigil::test::read_file(f.log()));
  REQUIRE(daemon.started());
  f.port = f.tls_port();

  auto admin = f.connect_as(f.admin);
  REQUIRE(admin->handshake_done());
  const json status = admin->call("status");
  CHECK(status["result"]["caller"]["role"] == "admin");
  CHECK(status["result"]["caller"]["user"] == kAdminSubject);
  CHECK(status["result"]["caller"]["via"] == "tls");
  const std::string id = first_new_incident(*admin);
  CHECK(admin->call("incidents.assign", {{"id", id}, {"assignee", "lan"}})["result"]["assignee"] == "lan");

  auto responder = f.connect_as(f.responder);
  CHECK(responder->call("status")["result"]["caller"]["role"] == "responder");
  CHECK(responder->call("incidents.ack", {{"id", id}})["result"]["state"] == "acknowledged");
  CHECK(responder->call("alerts.list", {{"limit", 2}})["result"]["alerts"].size() == 2);
  CHECK(error_code(responder->call("audit.list")) == -32001);
  CHECK(error_code(responder->call("rules.reload")) == -32001);
  CHECK(error_code(responder->call("admin.backup", {{"to", f.dir.file("b")}})) == -32001);
  CHECK(error_code(responder->call("incidents.report_sent", {{"id", id}, {"full", false}, {"receipt", "r"}})) == -32001);

  auto auditor = f.connect_as(f.auditor);
  CHECK(auditor->call("status")["result"]["caller"]["role"] == "auditor");
  CHECK_FALSE(auditor->call("incidents.list")["result"]["incidents"].empty());
  CHECK(auditor->call("audit.verify")["result"]["intact"] == true);
  const json auditor_ack = auditor->call("incidents.note", {{"id", id}, {"text", "x"}});
  CHECK(error_code(auditor_ack) == -32001);
  CHECK(auditor_ack["error"]["message"].get<std::string>().find("needs the role responder or admin") !=
        std::string::npos);
  CHECK(error_code(auditor->call("rules.reload")) == -32001);

  auto liaison = f.connect_as(f.liaison);
  CHECK(liaison->call("incidents.get", {{"id", id}})["result"]["id"] == id);
  CHECK(error_code(liaison->call("incidents.assign", {{"id", id}, {"assignee", "x"}})) == -32001);
  CHECK(error_code(liaison->call("audit.list")) == -32001);

  // A certificate from the right CA that no mapping names: connected, but every call refused.
  auto stranger = f.connect_as(f.stranger);
  REQUIRE(stranger->handshake_done());
  const json refused = stranger->call("status");
  CHECK(error_code(refused) == -32001);
  CHECK(refused["error"]["message"].get<std::string>().find("CN=stranger,OU=visitors,O=vigil test has no role") !=
        std::string::npos);
  CHECK(error_code(stranger->call("alerts.list")) == -32001);

  // Exactly the two changes made, each under its certificate's subject, via TLS, with the peer.
  const json entries = auditor->call("audit.list")["result"]["entries"];
  REQUIRE(entries.size() == 2);
  CHECK(entries[0]["action"] == "incidents.assign");
  CHECK(entries[0]["actor"] == kAdminSubject);
  CHECK(entries[0]["detail"]["role"] == "admin");
  CHECK(entries[1]["action"] == "incidents.ack");
  CHECK(entries[1]["actor"] == kResponderSubject);
  CHECK(entries[1]["detail"]["role"] == "responder");
  for (const auto& entry : entries) {
    CHECK(entry["detail"]["via"] == "tls");
    CHECK(entry["detail"]["peer"].get<std::string>().rfind("127.0.0.1:", 0) == 0);
    CHECK_FALSE(entry["detail"].contains("uid"));
  }
  CHECK(auditor->call("audit.verify")["result"]["intact"] == true);
  CHECK(daemon.stop() == 0);
}

TEST_CASE("control over TLS: no certificate or one from another CA fails the handshake, logged, others go on",
          "[daemon][control][tls][integration]") {
  TlsFixture f;
  DaemonProcess daemon(f.config(), f.socket(), f.log());
  INFO(vigil::test::read_file(f.log()));
  REQUIRE(daemon.started());
  f.port = f.tls_port();
  TestCa rogue(f.dir.file("rogue"), "rogue CA");
  // Same subject as the admin's, signed by another CA.
  const auto forged = rogue.issue("forged", "ops-admin", "soc");

  {
    TlsLineClient bare(f.port, f.ca.ca_cert());
    // TLS 1.3: the client may finish before the server refuses; then the first call gets nothing.
    CHECK_FALSE(bare.call("status").contains("result"));
  }
  {
    TlsLineClient forger(f.port, f.ca.ca_cert(), forged.cert, forged.key);
    CHECK_FALSE(forger.call("status").contains("result"));
  }
  auto admin = f.connect_as(f.admin);
  CHECK(admin->call("status")["result"]["caller"]["role"] == "admin");
  CHECK(admin->call("audit.list")["result"]["entries"].empty());

  // Both refusals are in the log with the peer's address and the reason. The log is written as they
  // happen; the admin's call above came after both, so they are there.
  const std::string log = vigil::test::read_file(f.log());
  INFO(log);
  CHECK(log.find("control TLS: refused 127.0.0.1:") != std::string::npos);
  CHECK(log.find("peer did not return a certificate") != std::string::npos);
  CHECK(log.find("certificate verify failed") != std::string::npos);
  CHECK(daemon.stop() == 0);
}

TEST_CASE("control over TLS: malformed, oversized, abandoned and half-open connections: the daemon keeps serving",
          "[daemon][control][tls][integration]") {
  TlsFixture f;
  DaemonProcess daemon(f.config(), f.socket(), f.log());
  INFO(vigil::test::read_file(f.log()));
  REQUIRE(daemon.started());
  f.port = f.tls_port();
  {
    auto client = f.connect_as(f.admin);
    client->send_raw("this is not json\n");
    CHECK(json::parse(client->read_line().value_or("{}"))["error"]["code"] == -32700);
    client->send_raw("{\"jsonrpc\":\"2.0\",\"id\":\"\xff\xfe\",\"method\":\"status\"}\n");  // not UTF-8
    CHECK(json::parse(client->read_line().value_or("{}"))["error"]["code"] == -32700);
    client->send_raw("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\"}]\n");
    CHECK(json::parse(client->read_line().value_or("{}"))["error"]["code"] == -32600);
    client->send_raw("{\"jsonrpc\":\"1.0\",\"id\":2,\"method\":\"status\"}\n");
    CHECK(json::parse(client->read_line().value_or("{}"))["error"]["code"] == -32600);
    client->send_raw("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"no.such\"}\n");
    CHECK(json::parse(client->read_line().value_or("{}"))["error"]["code"] == -32601);
    client->send_raw("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"alerts.list\",\"params\":{\"limit\":\"all\"}}\n");
    CHECK(json::parse(client->read_line().value_or("{}"))["error"]["code"] == -32602);
    CHECK(client->call("status")["result"]["caller"]["role"] == "admin");  // the same connection still works
  }
  {
    auto client = f.connect_as(f.admin);
    client->send_raw(std::string(10'000, 'x'));
    const auto line = client->read_line();
    REQUIRE(line);
    CHECK(json::parse(*line)["error"]["message"].get<std::string>().find("longer than 4096") != std::string::npos);
    CHECK_FALSE(client->read_line());  // then the daemon closes that connection
  }
  {
    auto client = f.connect_as(f.admin);
    client->send_raw("{\"jsonrpc\":\"2.0\",\"id\":1,\"meth");  // and goes away mid-line
  }
  {
    auto client = f.connect_as(f.admin);
    client->send_raw(vigil::test::request(1, "incidents.list", {{"limit", 1000}}).dump() + "\n");
  }  // gone before reading a large reply
  for (size_t cut : {0, 5, 60}) {
    // Mid-handshake: a TCP connection that sends a piece of a ClientHello (or nothing) and closes.
    const int fd = connect_tcp(f.port);
    REQUIRE(fd >= 0);
    const std::string hello_start("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
    std::string bytes = hello_start + std::string(200, '\x42');
    if (cut > 0) REQUIRE(::send(fd, bytes.data(), cut, MSG_NOSIGNAL) == static_cast<ssize_t>(cut));
    ::close(fd);
  }
  // A connection that never starts its handshake holds no one else up.
  const int idle = connect_tcp(f.port);
  REQUIRE(idle >= 0);
  {
    // Many at once, each answered.
    std::vector<std::unique_ptr<TlsLineClient>> many;
    for (int i = 0; i < 40; ++i) many.push_back(f.connect_as(i % 2 ? f.responder : f.auditor));
    for (auto& client : many) client->send_raw(vigil::test::request(1, "status").dump() + "\n");
    size_t answered = 0;
    for (auto& client : many) {
      const auto line = client->read_line();
      answered += line && json::parse(*line)["result"].contains("caller");
    }
    CHECK(answered == many.size());
  }
  auto client = f.connect_as(f.admin);
  CHECK(client->call("status")["result"]["caller"]["role"] == "admin");
  ControlClient local(f.socket());
  CHECK(local.call("status")["result"]["caller"]["role"] == "admin");
  ::close(idle);
  CHECK(daemon.stop() == 0);
}

TEST_CASE("control: connections over control.max_connections are closed at once and logged, the others served",
          "[daemon][control][tls][integration]") {
  TlsFixture f(4);
  DaemonProcess daemon(f.config(), f.socket(), f.log());
  INFO(vigil::test::read_file(f.log()));
  REQUIRE(daemon.started());
  f.port = f.tls_port();
  {
    std::vector<std::unique_ptr<TlsLineClient>> held;
    for (int i = 0; i < 4; ++i) {
      held.push_back(f.connect_as(f.auditor));
      REQUIRE(held.back()->call("status").contains("result"));  // each one is registered before the next
    }
    auto fifth = f.connect_as(f.admin);
    CHECK_FALSE(fifth->call("status").contains("result"));
    for (auto& client : held) CHECK(client->call("status").contains("result"));  // still served
  }
  // Once they are gone, there is room again (the daemon notices each close on its next read).
  json status;
  for (int attempt = 0; attempt < 100 && !status.contains("result"); ++attempt) {
    auto client = f.connect_as(f.admin);
    status = client->call("status");
    if (!status.contains("result")) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(status["result"]["caller"]["role"] == "admin");
  const std::string log = vigil::test::read_file(f.log());
  CHECK(log.find("control TLS: refused 127.0.0.1:") != std::string::npos);
  CHECK(log.find("4 connections already open (control.max_connections)") != std::string::npos);

  // The Unix socket has its own cap of the same size; a full socket leaves TLS callers unaffected.
  {
    std::vector<std::unique_ptr<ControlClient>> held;
    for (int i = 0; i < 4; ++i) {
      held.push_back(std::make_unique<ControlClient>(f.socket()));
      REQUIRE(held.back()->call("status").contains("result"));
    }
    ControlClient fifth(f.socket());
    CHECK_FALSE(fifth.call("status").contains("result"));
    auto tls = f.connect_as(f.auditor);
    CHECK(tls->call("status")["result"]["caller"]["role"] == "auditor");
    for (auto& client : held) CHECK(client->call("status").contains("result"));
  }
  CHECK(vigil::test::read_file(f.log()).find("control socket: refused a caller: 4 connections already open") !=
        std::string::npos);
  CHECK(daemon.stop() == 0);
}

TEST_CASE("vigil CLI over TLS: status, alerts list and incidents list through --connect or $VIGIL_CONNECT",
          "[daemon][control][tls][cli][integration]") {
  TlsFixture f;
  DaemonProcess daemon(f.config(), f.socket(), f.log());
  INFO(vigil::test::read_file(f.log()));
  REQUIRE(daemon.started());
  f.port = f.tls_port();
  const std::string address = "127.0.0.1:" + std::to_string(f.port);
  const std::vector<std::string> tls = {"--connect", address, "--cert", f.responder.cert, "--key", f.responder.key,
                                        "--ca", f.ca.ca_cert()};
  auto with_tls = [&](std::vector<std::string> args) {
    args.insert(args.begin(), tls.begin(), tls.end());
    return vigil::test::run_vigil(args);
  };

  auto r = with_tls({"status"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(std::string("you:        ") + kResponderSubject + " (responder)") != std::string::npos);

  r = with_tls({"alerts", "list", "--json", "--limit", "5"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  const auto alerts = vigil::test::split_lines(r.out);
  REQUIRE(alerts.size() == 5);
  // The same alerts, in the same order, as the daemon gives on its socket.
  ControlClient local(f.socket());
  const json expected = local.call("alerts.list", {{"limit", 5}})["result"]["alerts"];
  for (size_t i = 0; i < alerts.size(); ++i) {
    const json alert = json::parse(alerts[i]);
    CHECK(alert["event_type"] == "alert");
    CHECK(alert["timestamp"] == expected[i]["timestamp"]);
    CHECK(alert["alert"]["signature_id"] == expected[i]["alert"]["signature_id"]);
  }
  r = with_tls({"alerts", "list", "--limit", "3"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("SIGNATURE") != std::string::npos);  // the table

  r = with_tls({"incidents", "list", "--json", "--limit", "1200"});
  CHECK(r.exit_code == 0);
  const json incidents = local.call("incidents.list", {{"limit", 1000}})["result"]["incidents"];
  CHECK(vigil::test::split_lines(r.out).size() == incidents.size());

  // The environment does the same as the options.
  ::setenv("VIGIL_CONNECT", address.c_str(), 1);
  ::setenv("VIGIL_CERT", f.auditor.cert.c_str(), 1);
  ::setenv("VIGIL_KEY", f.auditor.key.c_str(), 1);
  ::setenv("VIGIL_CA", f.ca.ca_cert().c_str(), 1);
  r = vigil::test::run_vigil({"status", "--json"});
  for (const char* name : {"VIGIL_CONNECT", "VIGIL_CERT", "VIGIL_KEY", "VIGIL_CA"}) ::unsetenv(name);
  CHECK(r.exit_code == 0);
  CHECK(json::parse(r.out)["caller"]["role"] == "auditor");

  // A certificate the daemon refuses: the CLI says it could not get through, exit 1.
  TestCa rogue(f.dir.file("rogue"));
  const auto forged = rogue.issue("forged", "lan", "responders");
  r = vigil::test::run_vigil({"--connect", address, "--cert", forged.cert, "--key", forged.key, "--ca",
                              f.ca.ca_cert(), "status"});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("vigild at " + address) != std::string::npos);
  CHECK(r.err.find("alert") != std::string::npos);  // OpenSSL's reason: the daemon's TLS alert

  // admin backup over TLS: vigild writes the copy on its side; only the admin certificate may.
  const std::string copy = f.dir.file("backup");
  r = with_tls({"admin", "backup", "--to", copy});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("admin.backup needs the role admin") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(copy));
  r = vigil::test::run_vigil({"--connect", address, "--cert", f.admin.cert, "--key", f.admin.key, "--ca",
                              f.ca.ca_cert(), "admin", "backup", "--to", copy});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Backup of " + f.dir.file("data") + " written to " + copy + " by vigild at " + address + "\n");
  CHECK(std::filesystem::exists(copy + "/CURRENT"));
  const json entries = local.call("audit.list")["result"]["entries"];
  REQUIRE(entries.size() == 1);
  CHECK(entries[0]["action"] == "admin.backup");
  CHECK(entries[0]["actor"] == kAdminSubject);
  CHECK(entries[0]["detail"]["outcome"] == "written");
  CHECK(daemon.stop() == 0);
}

TEST_CASE("vigild --check-config names a missing TLS file with its line and field", "[daemon][config][tls]") {
  TempDir dir;
  TestCa ca(dir.file("pki"));
  const auto server = ca.issue("server", "vigild", "", true);
  vigil::test::write_file(dir.file("vigil.yaml"),
                          "data_dir: data\n"                          // 1
                          "rules: {paths: [" VIGIL_SOURCE_DIR "/config/rules]}\n"  // 2
                          "correlation: {paths: [" VIGIL_SOURCE_DIR "/config/correlation]}\n"  // 3
                          "control:\n"                                // 4
                          "  tls:\n"                                  // 5
                          "    listen: 127.0.0.1:7443\n"              // 6
                          "    cert: pki/server.pem\n"                // 7
                          "    key: pki/missing.key\n"                // 8
                          "    ca: pki/ca.pem\n"                      // 9
                          "    roles: [{cn: alice, role: boss}, {role: admin}]\n");  // 10
  const auto r = vigil::test::run_command({VIGILD, "--check-config", dir.file("vigil.yaml")});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  const std::string out = r.out + r.err;
  CHECK(out.find("vigil.yaml:8: control.tls.key: no such file: " + dir.file("pki/missing.key")) != std::string::npos);
  CHECK(out.find("vigil.yaml:10: control.tls.roles[0].role: must be one of") != std::string::npos);
  CHECK(out.find("vigil.yaml:10: control.tls.roles[1]: needs at least one of subject, cn, ou, o") != std::string::npos);
  CHECK(out.find("control.tls.cert") == std::string::npos);
}
