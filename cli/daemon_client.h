// DaemonClient: one connection to vigild's control socket; sends JSON-RPC 2.0 requests, one per line,
// and reads each reply line. Used by `vigil status` (and later every command that talks to the daemon).
// Thread contract: one thread per client.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "vigil/core/result.h"

namespace vigil::cli {

// $VIGIL_SOCKET, else /run/vigil/control.sock (vigild's default).
std::string default_socket_path();

class DaemonClient {
 public:
  // Fails naming the socket when nothing answers there (daemon not running, no permission).
  static Result<DaemonClient> connect(const std::string& socket_path);
  ~DaemonClient();
  DaemonClient(DaemonClient&& other) noexcept;
  DaemonClient& operator=(DaemonClient&&) = delete;

  // The call's `result`; a JSON-RPC error becomes an Error carrying the daemon's message.
  Result<nlohmann::json> call(const std::string& method, const nlohmann::json& params = nlohmann::json::object());

 private:
  DaemonClient(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
  std::string buffer_;
  int next_id_ = 1;
};

}  // namespace vigil::cli
