#include "signals.h"

#include <csignal>

namespace vigil::daemon {

Signals::Signals(boost::asio::io_context& io, std::function<void(int)> on_stop, std::function<void()> on_reload)
    : set_(io, SIGTERM, SIGINT, SIGHUP), on_stop_(std::move(on_stop)), on_reload_(std::move(on_reload)) {
  std::signal(SIGPIPE, SIG_IGN);
  wait();
}

void Signals::cancel() {
  boost::system::error_code ignored;
  set_.cancel(ignored);
}

void Signals::wait() {
  set_.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      on_reload_();
      wait();
    } else {
      on_stop_(signal);
    }
  });
}

}  // namespace vigil::daemon
