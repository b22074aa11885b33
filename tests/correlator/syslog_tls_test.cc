// Syslog over TLS: delivered to a collector whose certificate the CA file vouches for, refused (and kept
// spooled) when it does not. The collector is an OpenSSL server on a thread with a certificate made here.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <thread>

#include "correlator/test_support.h"
#include "vigil/correlator/forwarder.h"

using namespace vigil;
using namespace vigil::correlator;
using vigil::test::TempDir;

namespace {

// A self-signed certificate for IP 127.0.0.1, written as PEM (cert and key).
void make_certificate(const std::string& cert_path, const std::string& key_path) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  REQUIRE(key);
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("collector"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
  REQUIRE(san);
  X509_add_ext(cert, san, -1);
  X509_EXTENSION_free(san);
  REQUIRE(X509_sign(cert, key, EVP_sha256()) > 0);
  FILE* out = std::fopen(cert_path.c_str(), "w");
  PEM_write_X509(out, cert);
  std::fclose(out);
  out = std::fopen(key_path.c_str(), "w");
  PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(out);
  X509_free(cert);
  EVP_PKEY_free(key);
}

// Accepts one TLS connection and reads `bytes` (or until the handshake or the connection fails).
class TlsCollector {
 public:
  TlsCollector(const std::string& cert, const std::string& key, size_t bytes) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(::listen(fd_, 1) == 0);
    socklen_t length = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length);
    port = ntohs(addr.sin_port);
    ctx_ = SSL_CTX_new(TLS_server_method());
    REQUIRE(SSL_CTX_use_certificate_file(ctx_, cert.c_str(), SSL_FILETYPE_PEM) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey_file(ctx_, key.c_str(), SSL_FILETYPE_PEM) == 1);
    thread_ = std::thread([this, bytes] {
      int conn = ::accept(fd_, nullptr, nullptr);
      if (conn < 0) return;
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, conn);
      if (SSL_accept(ssl) == 1) {
        char buffer[4096];
        while (received.size() < bytes) {
          int n = SSL_read(ssl, buffer, sizeof(buffer));
          if (n <= 0) break;
          received.append(buffer, static_cast<size_t>(n));
        }
      }
      SSL_free(ssl);
      ::close(conn);
    });
  }
  ~TlsCollector() {
    if (thread_.joinable()) thread_.join();
    SSL_CTX_free(ctx_);
    ::close(fd_);
  }
  void wait() { thread_.join(); }

  uint16_t port = 0;
  std::string received;

 private:
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  std::thread thread_;
};

}  // namespace

TEST_CASE("syslog over TLS reaches a collector the CA vouches for, another CA is refused", "[correlator][forward][tls]") {
  TempDir dir;
  const std::string cert = (dir.path() / "collector.pem").string();
  const std::string key = (dir.path() / "collector.key").string();
  const std::string other = (dir.path() / "other.pem").string();
  make_certificate(cert, key);
  make_certificate(other, (dir.path() / "other.key").string());  // same name, different key: untrusted

  auto spool = ForwardSpool::open(dir.path() / "spool", false);
  REQUIRE(spool);
  REQUIRE((*spool)->append("<163>1 - soc-1 vigil - incident - CEF:0|vigil|vigil|1|r|t|8|cnt=1"));

  SECTION("a collector the CA file does not vouch for: nothing is sent, the record stays") {
    TlsCollector collector(cert, key, 1);
    SyslogTcpForwarder forwarder("127.0.0.1", collector.port, TlsClientOptions{other, "", "", ""});
    ForwardPump pump(**spool, forwarder);
    CHECK(*pump.pump(0) == 0);
    CHECK(pump.failures() == 1);
    collector.wait();
    CHECK(collector.received.empty());
    CHECK((*spool)->pending_count() == 1);
  }
  SECTION("the right CA: delivered in an octet-counted frame") {
    const std::string record = *(*spool)->pending(1).value().begin();
    const std::string frame = std::to_string(record.size()) + " " + record;
    TlsCollector collector(cert, key, frame.size());
    SyslogTcpForwarder forwarder("127.0.0.1", collector.port, TlsClientOptions{cert, "", "", ""});
    ForwardPump pump(**spool, forwarder);
    CHECK(*pump.pump(0) == 1);
    collector.wait();
    CHECK(collector.received == frame);
    CHECK((*spool)->pending_count() == 0);
  }
}
