// ControlServer: the control API's Unix socket. One JSON-RPC message per line each way
// (control_connection.h); the caller's uid/gid (SO_PEERCRED) decide its role once, when it connects.
// At most control.max_connections at once: more are closed at once, logged.
// Thread contract: everything runs on the control io_context's thread; replies computed on other
// threads are posted back to it.
#pragma once

// Boost 1.74's Asio uses std::exchange without including <utility> (g++ 12, C++20).
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>

#include "config.h"
#include "control_api.h"
#include "control_connection.h"
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


 private:
  void accept();
  void accept_later();

  boost::asio::io_context& io_;
  ControlConfig config_;
  ControlApi& api_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  std::map<ControlConnectionBase*, std::shared_ptr<ControlConnectionBase>> connections_;
  bool listening_ = false;
};

}  // namespace vigil::daemon
