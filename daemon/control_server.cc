#include "control_server.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <filesystem>

#include <spdlog/spdlog.h>

namespace vigil::daemon {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;

class ControlServer::Connection : public std::enable_shared_from_this<ControlServer::Connection> {
 public:
  Connection(local::socket socket, Caller caller, ControlApi& api, size_t max_line,
             std::set<std::shared_ptr<Connection>>& registry)
      : socket_(std::move(socket)),
        caller_(std::move(caller)),
        api_(api),
        input_(max_line + 1),
        registry_(registry) {}

  void start() { read(); }

  void close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  void read() {
    asio::async_read_until(socket_, input_, '\n', [self = shared_from_this()](boost::system::error_code ec, size_t n) {
      self->on_line(ec, n);
    });
  }

  void on_line(boost::system::error_code ec, size_t n) {
    if (ec == asio::error::not_found) {
      // The buffer reached its cap without a newline.
      send(ControlApi::error_line(nullptr, rpc_error::kInvalidRequest,
                                  "message longer than " + std::to_string(input_.max_size() - 1) +
                                      " bytes; closing the connection"));
      closing_ = true;
      return;
    }
    if (ec) return finish();  // EOF or reset: the client went away
    std::string line(asio::buffers_begin(input_.data()), asio::buffers_begin(input_.data()) + n - 1);
    input_.consume(n);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) {
      auto self = shared_from_this();
      api_.handle(caller_, line, [self](std::string reply) {
        // Replies may come from the pipeline or reload thread: write on the connection's own thread.
        asio::post(self->socket_.get_executor(), [self, reply = std::move(reply)]() mutable {
          self->send(std::move(reply));
        });
      });
    }
    read();
  }

  void send(std::string line) {
    if (!socket_.is_open()) return;
    outbox_.push_back(std::move(line) + "\n");
    if (outbox_.size() == 1) write();
  }

  void write() {
    asio::async_write(socket_, asio::buffer(outbox_.front()),
                      [self = shared_from_this()](boost::system::error_code ec, size_t) {
                        if (ec) return self->finish();
                        self->outbox_.pop_front();
                        if (!self->outbox_.empty()) return self->write();
                        if (self->closing_) self->finish();
                      });
  }

  void finish() {
    close();
    registry_.erase(shared_from_this());
  }

  local::socket socket_;
  Caller caller_;
  ControlApi& api_;
  asio::streambuf input_;
  std::deque<std::string> outbox_;
  bool closing_ = false;
  std::set<std::shared_ptr<Connection>>& registry_;
};

ControlServer::ControlServer(asio::io_context& io, const ControlConfig& config, ControlApi& api)
    : io_(io), config_(config), api_(api), acceptor_(io) {}

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
    if (!ec) {
      struct ucred cred {};
      socklen_t size = sizeof cred;
      if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &size) == 0) {
        Caller caller;
        caller.uid = cred.uid;
        caller.gid = cred.gid;
        caller.pid = cred.pid;
        caller.user = user_name(cred.uid);
        caller.role = role_for(config_, cred.uid, cred.gid);
        auto connection =
            std::make_shared<Connection>(std::move(socket), std::move(caller), api_, config_.max_line_bytes, connections_);
        connections_.insert(connection);
        connection->start();
      }
    } else {
      spdlog::warn("control socket: accept failed: {}", ec.message());
    }
    accept();
  });
}

void ControlServer::close() {
  if (!listening_) return;
  listening_ = false;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (const auto& connection : connections_) connection->close();
  connections_.clear();
  std::error_code ec;
  std::filesystem::remove(config_.socket, ec);
}

}  // namespace vigil::daemon
