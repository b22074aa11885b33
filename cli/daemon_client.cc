#include "daemon_client.h"

#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <utility>

namespace vigil::cli {

namespace {
constexpr int kReplyTimeoutMs = 60'000;  // a rule reload may take a while; a hung daemon should not hang us

std::string openssl_reason() {
  std::string reason;
  for (unsigned long e; (e = ERR_get_error()) != 0;) {
    char buffer[256];
    ERR_error_string_n(e, buffer, sizeof buffer);
    reason = buffer;
  }
  return reason.empty() ? "unknown TLS error" : reason;
}

// host:port, with [v6]:port; the host as given (a name or an address literal).
bool split_address(const std::string& address, std::string& host, std::string& port) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) return false;
  host = address.substr(0, colon);
  port = address.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return true;
}

int connect_tcp(const std::string& host, const std::string& port, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    error = ::gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      error = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  return fd;
}

}  // namespace

struct DaemonClient::Tls {
  SSL_CTX* context = nullptr;
  SSL* ssl = nullptr;
  ~Tls() {
    if (ssl != nullptr) SSL_free(ssl);
    if (context != nullptr) SSL_CTX_free(context);
  }
};

std::string default_socket_path() {
  if (const char* env = std::getenv("VIGIL_SOCKET"); env && *env) return env;
  return "/run/vigil/control.sock";
}

RemoteDaemon& remote_daemon_setting() {
  static RemoteDaemon remote;
  return remote;
}

const RemoteDaemon& remote_daemon() { return remote_daemon_setting(); }

Result<DaemonClient> DaemonClient::connect(const std::string& socket_path) {
  if (remote_daemon_set()) return connect_tls(remote_daemon());
  sockaddr_un addr{};
  if (socket_path.size() >= sizeof addr.sun_path) {
    return fail(ErrorCode::invalid_argument, "socket path too long: " + socket_path);
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(ErrorCode::io_error, std::string("cannot create a socket: ") + std::strerror(errno));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int error = errno;
    ::close(fd);
    return fail(ErrorCode::io_error, "cannot reach vigild at " + socket_path + ": " + std::strerror(error) +
                                         (error == ENOENT || error == ECONNREFUSED ? " (is the daemon running?)" : ""));
  }
  return DaemonClient(fd, socket_path, nullptr);
}

Result<DaemonClient> DaemonClient::connect_tls(const RemoteDaemon& remote) {
  const std::string where = remote.address;
  auto refuse = [&](const std::string& why) { return fail(ErrorCode::io_error, "cannot reach vigild at " + where + ": " + why); };
  if (remote.cert.empty() || remote.key.empty() || remote.ca.empty()) {
    return fail(ErrorCode::invalid_argument,
                "--connect " + where + " needs --cert, --key and --ca (or $VIGIL_CERT, $VIGIL_KEY, $VIGIL_CA)");
  }
  std::string host, port;
  if (!split_address(remote.address, host, port)) {
    return fail(ErrorCode::invalid_argument, "--connect: '" + remote.address + "' is not host:port");
  }
  // SSL_write on a connection the daemon closed must be an error here, not SIGPIPE killing the CLI.
  std::signal(SIGPIPE, SIG_IGN);
  ERR_clear_error();
  auto tls = std::make_unique<Tls>();
  tls->context = SSL_CTX_new(TLS_client_method());
  if (tls->context == nullptr) return refuse(openssl_reason());
  SSL_CTX_set_min_proto_version(tls->context, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(tls->context, remote.cert.c_str()) != 1) {
    return fail(ErrorCode::invalid_argument, "--cert " + remote.cert + ": " + openssl_reason());
  }
  if (SSL_CTX_use_PrivateKey_file(tls->context, remote.key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(tls->context) != 1) {
    return fail(ErrorCode::invalid_argument, "--key " + remote.key + ": " + openssl_reason());
  }
  if (SSL_CTX_load_verify_locations(tls->context, remote.ca.c_str(), nullptr) != 1) {
    return fail(ErrorCode::invalid_argument, "--ca " + remote.ca + ": " + openssl_reason());
  }
  SSL_CTX_set_verify(tls->context, SSL_VERIFY_PEER, nullptr);

  std::string error;
  const int fd = connect_tcp(host, port, error);
  if (fd < 0) return refuse(error + " (is the daemon running with control.tls?)");
  DaemonClient client(fd, where, tls.release());
  SSL* ssl = SSL_new(client.tls_->context);
  client.tls_->ssl = ssl;
  SSL_set_fd(ssl, fd);
  // The daemon's certificate must name the host we asked for, as an address or a DNS name.
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
    // SSL_set_tlsext_host_name is a macro with a C cast (an error under -Werror=old-style-cast).
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str()));
    SSL_set1_host(ssl, host.c_str());
  }
  if (SSL_connect(ssl) != 1) {
    const long verify = SSL_get_verify_result(ssl);
    std::string why = "TLS handshake failed: " + openssl_reason();
    if (verify != X509_V_OK) why += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
    return refuse(why);
  }
  return client;
}

DaemonClient::~DaemonClient() {
  if (tls_ != nullptr) {
    if (tls_->ssl != nullptr) SSL_shutdown(tls_->ssl);
    delete tls_;
  }
  if (fd_ >= 0) ::close(fd_);
}

DaemonClient::DaemonClient(DaemonClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), where_(std::move(other.where_)), tls_(std::exchange(other.tls_, nullptr)),
      buffer_(std::move(other.buffer_)), failure_(std::move(other.failure_)), next_id_(other.next_id_) {}

Result<void> DaemonClient::send_all(const std::string& bytes) {
  for (size_t done = 0; done < bytes.size();) {
    const ssize_t n = tls_ != nullptr
                          ? SSL_write(tls_->ssl, bytes.data() + done, static_cast<int>(bytes.size() - done))
                          : ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return fail(ErrorCode::io_error, "vigild at " + where_ + " closed the connection");
    done += static_cast<size_t>(n);
  }
  return ok();
}

bool DaemonClient::receive_more() {
  // OpenSSL may already hold decrypted bytes the socket no longer shows as readable.
  if (tls_ == nullptr || SSL_pending(tls_->ssl) == 0) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, kReplyTimeoutMs) <= 0) return false;
  }
  char chunk[65536];
  const ssize_t n = tls_ != nullptr ? SSL_read(tls_->ssl, chunk, sizeof chunk) : ::read(fd_, chunk, sizeof chunk);
  if (n <= 0 && tls_ != nullptr && ERR_peek_error() != 0) {
    // With TLS 1.3 a daemon that refuses our certificate says so with an alert on the first read.
    failure_ = "TLS: " + openssl_reason();
    if (failure_.find("alert") != std::string::npos) failure_ += " (did vigild refuse our certificate?)";
  }
  if (n <= 0) return false;
  buffer_.append(chunk, static_cast<size_t>(n));
  return true;
}

Result<nlohmann::json> DaemonClient::call(const std::string& method, const nlohmann::json& params) {
  const int id = next_id_++;
  const std::string line =
      nlohmann::json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump() + "\n";
  if (auto sent = send_all(line); !sent) return fail(sent.error());
  size_t newline;
  while ((newline = buffer_.find('\n')) == std::string::npos) {
    if (!receive_more()) {
      return fail(ErrorCode::io_error, "vigild at " + where_ + " closed the connection or did not answer" +
                                           (failure_.empty() ? "" : ": " + failure_));
    }
  }
  auto reply = nlohmann::json::parse(buffer_.substr(0, newline), nullptr, false);
  buffer_.erase(0, newline + 1);
  if (reply.is_discarded() || !reply.is_object()) return fail(ErrorCode::parse_error, "vigild sent a reply that is not JSON");
  if (reply.contains("error")) {
    return fail(ErrorCode::invalid_argument, method + ": " + reply["error"].value("message", std::string("error")));
  }
  return reply.value("result", nlohmann::json());
}

}  // namespace vigil::cli
