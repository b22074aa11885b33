#include "tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <fstream>

namespace vigil::daemon {

namespace ssl = boost::asio::ssl;

namespace {

// OpenSSL keeps a queue of errors per thread; the last one says why the call failed ("no such file",
// "key values mismatch"). Draining it keeps a stale reason out of the next message.
std::string drain_errors() {
  std::string reason;
  for (unsigned long e; (e = ERR_get_error()) != 0;) {
    char buffer[256];
    ERR_error_string_n(e, buffer, sizeof buffer);
    reason = buffer;
  }
  return reason;
}

Error file_error(const char* what, const std::filesystem::path& file, const std::string& reason) {
  std::string message = std::string("cannot use ") + what + " " + file.string();
  // A missing or unreadable file is said plainly before OpenSSL's version of it.
  std::ifstream probe(file);
  if (!probe) message += ": cannot read the file";
  if (!reason.empty()) message += ": " + reason;
  return Error{ErrorCode::invalid_argument, message};
}

Result<std::shared_ptr<ssl::context>> make_context(const TlsFiles& files, bool server) {
  drain_errors();
  SSL_CTX* native = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (native == nullptr) return fail(ErrorCode::internal, "cannot create a TLS context: " + drain_errors());
  // Asio's context takes ownership of the native handle.
  auto context = std::make_shared<ssl::context>(native);
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  // No renegotiation: a client could otherwise make the server redo expensive handshakes at will.
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  if (SSL_CTX_use_certificate_chain_file(native, files.cert.c_str()) != 1) {
    return fail(file_error("certificate", files.cert, drain_errors()));
  }
  // OpenSSL checks the key against the certificate as it loads it ("key values mismatch").
  if (SSL_CTX_use_PrivateKey_file(native, files.key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(native) != 1) {
    const std::string reason = drain_errors();
    if (reason.find("mismatch") != std::string::npos) {
      return fail(ErrorCode::invalid_argument, "private key " + files.key.string() + " does not match certificate " +
                                                   files.cert.string() + ": " + reason);
    }
    return fail(file_error("private key", files.key, reason));
  }
  if (SSL_CTX_load_verify_locations(native, files.ca.c_str(), nullptr) != 1) {
    return fail(file_error("CA file", files.ca, drain_errors()));
  }
  if (server) {
    // The CAs a client may choose its certificate from, sent in the CertificateRequest.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.ca.c_str())) {
      SSL_CTX_set_client_CA_list(native, names);
    }
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  } else {
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  }
  drain_errors();
  return context;
}

}  // namespace

Result<std::shared_ptr<ssl::context>> make_mtls_server_context(const TlsFiles& files) {
  return make_context(files, true);
}

Result<std::shared_ptr<ssl::context>> make_mtls_client_context(const TlsFiles& files) {
  return make_context(files, false);
}

std::string peer_subject(const SSL* ssl) {
  if (ssl == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return "";
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return "";
  BIO* out = BIO_new(BIO_s_mem());
  if (out == nullptr) return "";
  // RFC 2253 order (most specific first), and UTF-8 left as is rather than escaped as \XX.
  X509_NAME_print_ex(out, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long size = BIO_get_mem_data(out, &data);
  std::string subject(data, static_cast<size_t>(size));
  BIO_free(out);
  return subject;
}

std::string last_openssl_error() { return drain_errors(); }

}  // namespace vigil::daemon
