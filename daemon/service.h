// Service: the running daemon. start() opens the store, loads rules, correlation rules and policy,
// opens every configured live sensor and the control socket; run() serves until SIGTERM/SIGINT, then
// stops the sensors, drains the pipeline, flushes storage and returns 0. SIGHUP and rules.reload
// recompile the signature rules on a thread of their own and swap them into every sensor; a set that
// does not load or has rules with syntax errors leaves the running one in place and says why.
// Thread contract: start() and run() on the main thread, which becomes the control thread.
#pragma once

#include <memory>

#include "config.h"
#include "vigil/core/result.h"

namespace vigil::daemon {

class Service {
 public:
  // Errors name what could not start (data dir, a sensor's interface, the socket, a rules path).
  static Result<std::unique_ptr<Service>> start(DaemonConfig config);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  int run();

  struct Impl;

 private:
  explicit Service(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::daemon
