// ControlServer: the control API's Unix socket. One JSON-RPC message per line each way; the caller's
// uid/gid (SO_PEERCRED) decide its role once, when it connects. A line longer than the configured cap
// gets an error and the connection is closed (there is no way to find the next message in it); a client
// that disconnects mid-request only loses its own replies.
// Thread contract: everything runs on the control io_context's thread; replies computed on other
// threads are posted back to it.
#pragma once

// Boost 1.74's Asio uses std::exchange without including <utility> (g++ 12, C++20).
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <memory>
#include <set>

#include "config.h"
#include "control_api.h"
#include "vigil/core/result.h"

namespace vigil::daemon {

class ControlServer {
 public:
  ControlServer(boost::asio::io_context& io, const ControlConfig& config, ControlApi& api);
  ~ControlServer();

  // Creates the socket (its directory too), refusing when another process already answers on it.
  Result<void> listen();
  // Closes the socket and every connection.
  void close();

  class Connection;

 private:
  void accept();

  boost::asio::io_context& io_;
  ControlConfig config_;
  ControlApi& api_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  std::set<std::shared_ptr<Connection>> connections_;
  bool listening_ = false;
};

}  // namespace vigil::daemon
