// DaemonClient: one connection to vigild's control API, on its Unix socket or, when a remote daemon is
// set (global --connect/--cert/--key/--ca, or $VIGIL_CONNECT, $VIGIL_CERT, $VIGIL_KEY, $VIGIL_CA), over
// TLS with a client certificate. Sends JSON-RPC 2.0 requests, one per line, and reads each reply line.
// Used by every command that talks to the daemon.
// Thread contract: one thread per client; the remote daemon is set by main's option parsing, before any command runs.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "vigil/core/result.h"

namespace vigil::cli {

// $VIGIL_SOCKET, else /run/vigil/control.sock (vigild's default).
std::string default_socket_path();

// Where vigild's TLS control listener is, and the files that prove who we are. Empty address: the socket.
struct RemoteDaemon {
  std::string address;  // "127.0.0.1:7443", "[::1]:7443", "vigil.example:7443"
  std::string cert, key, ca;  // PEM: our certificate and key, the CA the daemon's certificate must chain to
};
// main binds the global options to this before parsing; commands read it through remote_daemon().
RemoteDaemon& remote_daemon_setting();
const RemoteDaemon& remote_daemon();
inline bool remote_daemon_set() { return !remote_daemon().address.empty(); }

class DaemonClient {
 public:
  // The remote daemon when one is set, else the socket. Fails naming where it tried and why (daemon not
  // running, no permission, a certificate the daemon refused).
  static Result<DaemonClient> connect(const std::string& socket_path);
  ~DaemonClient();
  DaemonClient(DaemonClient&& other) noexcept;
  DaemonClient& operator=(DaemonClient&&) = delete;

  // The call's `result`; a JSON-RPC error becomes an Error carrying the daemon's message.
  Result<nlohmann::json> call(const std::string& method, const nlohmann::json& params = nlohmann::json::object());

 private:
  struct Tls;  // OpenSSL's context and connection, kept out of this header
  DaemonClient(int fd, std::string where, Tls* tls) : fd_(fd), where_(std::move(where)), tls_(tls) {}
  static Result<DaemonClient> connect_tls(const RemoteDaemon& remote);
  Result<void> send_all(const std::string& bytes);
  // Appends what arrives to buffer_; false when the daemon closed, failed or did not answer in time.
  bool receive_more();

  int fd_ = -1;
  std::string where_;  // the socket path or the remote address, for messages
  Tls* tls_ = nullptr;
  std::string buffer_;
  std::string failure_;  // why the last TLS read failed, when OpenSSL said
  int next_id_ = 1;
};

}  // namespace vigil::cli
