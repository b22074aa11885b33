// Signals for the daemon, delivered on the control io_context (never in a signal handler): SIGTERM and
// SIGINT stop the service, SIGHUP reloads the rules. SIGPIPE is ignored so a control client that goes
// away mid-reply costs an error code, not the process.
// Thread contract: construct and run on the control thread.
#pragma once

// Boost 1.74's Asio uses std::exchange without including <utility> (g++ 12, C++20).
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <functional>

namespace vigil::daemon {

class Signals {
 public:
  Signals(boost::asio::io_context& io, std::function<void(int)> on_stop, std::function<void()> on_reload);
  void cancel();

 private:
  void wait();
  boost::asio::signal_set set_;
  std::function<void(int)> on_stop_;
  std::function<void()> on_reload_;
};

}  // namespace vigil::daemon
