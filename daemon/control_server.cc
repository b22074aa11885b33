#include "control_server.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>

#include <spdlog/spdlog.h>

namespace vigil::daemon {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;

ControlServer::ControlServer(asio::io_context& io, const ControlConfig& config, ControlApi& api)
    : io_(io), config_(config), api_(api), acceptor_(io), retry_timer_(io) {}

ControlServer::~ControlServer() { close(); }

Result<void> ControlServer::listen() {
  namespace fs = std::filesystem;
  const fs::path path(config_.socket);
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  if (fs::exists(fs::symlink_status(path, ec))) {
    if (!fs::is_socket(fs::symlink_status(path, ec))) {
      return fail(ErrorCode::invalid_argument, "control.socket: " + config_.socket + " exists and is not a socket");
    }
    // A socket file left by a daemon that died is removed; one that answers belongs to a running daemon.
    local::socket probe(io_);
    boost::system::error_code connect_error;
    probe.connect(local::endpoint(config_.socket), connect_error);
    if (!connect_error) {
      return fail(ErrorCode::invalid_argument,
                  "control.socket: another vigild already answers on " + config_.socket);
    }
    fs::remove(path, ec);
  }
  boost::system::error_code error;
  acceptor_.open(local(), error);
  if (!error) acceptor_.bind(local::endpoint(config_.socket), error);
  if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error) return fail(ErrorCode::io_error, "control.socket: cannot listen on " + config_.socket + ": " + error.message());
  if (::chmod(config_.socket.c_str(), config_.socket_mode) != 0) {
    return fail(ErrorCode::io_error, "control.socket: cannot set the mode of " + config_.socket);
  }
  listening_ = true;
  accept();
  return ok();
}

void ControlServer::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, local::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // EMFILE and the like: wait a little instead of spinning on the same error.
      spdlog::warn("control socket: accept failed: {}; retrying shortly", ec.message());
      return accept_later();
    }
    struct ucred cred {};
    socklen_t size = sizeof cred;
    if (connections_.size() >= config_.max_connections) {
      spdlog::warn("control socket: refused a caller: {} connections already open (control.max_connections)",
                   config_.max_connections);
    } else if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &size) == 0) {
      Caller caller;
      caller.uid = cred.uid;
      caller.gid = cred.gid;
      caller.pid = cred.pid;
      caller.user = user_name(cred.uid);
      caller.role = role_for(config_, cred.uid, cred.gid);
      auto connection = std::make_shared<ControlConnection<local::socket>>(
          std::move(socket), std::move(caller), api_, config_.max_line_bytes,
          [this](ControlConnectionBase* done) { connections_.erase(done); });
      connections_.emplace(connection.get(), connection);
      connection->start();
    }
    accept();
  });
}

void ControlServer::accept_later() {
  retry_timer_.expires_after(std::chrono::milliseconds(200));
  retry_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec && acceptor_.is_open()) accept();
  });
}

void ControlServer::close() {
  if (!listening_) return;
  listening_ = false;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_timer_.cancel();
  for (const auto& [raw, connection] : connections_) connection->close();
  connections_.clear();
  std::error_code ec;
  std::filesystem::remove(config_.socket, ec);
}

}  // namespace vigil::daemon
