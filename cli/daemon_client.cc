#include "daemon_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace vigil::cli {

namespace {
constexpr int kReplyTimeoutMs = 60'000;  // a rule reload may take a while; a hung daemon should not hang us
}

std::string default_socket_path() {
  if (const char* env = std::getenv("VIGIL_SOCKET"); env && *env) return env;
  return "/run/vigil/control.sock";
}

Result<DaemonClient> DaemonClient::connect(const std::string& socket_path) {
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
  return DaemonClient(fd, socket_path);
}

DaemonClient::~DaemonClient() {
  if (fd_ >= 0) ::close(fd_);
}

DaemonClient::DaemonClient(DaemonClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)), buffer_(std::move(other.buffer_)),
      next_id_(other.next_id_) {}

Result<nlohmann::json> DaemonClient::call(const std::string& method, const nlohmann::json& params) {
  const int id = next_id_++;
  const std::string line =
      nlohmann::json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump() + "\n";
  for (size_t done = 0; done < line.size();) {
    const ssize_t n = ::send(fd_, line.data() + done, line.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return fail(ErrorCode::io_error, "vigild at " + path_ + " closed the connection");
    done += static_cast<size_t>(n);
  }
  size_t newline;
  while ((newline = buffer_.find('\n')) == std::string::npos) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, kReplyTimeoutMs) <= 0) return fail(ErrorCode::io_error, "vigild at " + path_ + " did not answer");
    char chunk[65536];
    const ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n <= 0) return fail(ErrorCode::io_error, "vigild at " + path_ + " closed the connection");
    buffer_.append(chunk, static_cast<size_t>(n));
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
