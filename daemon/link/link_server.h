// LinkServer: the central side of the sensor link. Accepts sensor daemons over mutually authenticated
// TLS (a peer without a certificate from link.ca fails the handshake; the refusal is logged with the
// peer's address and the reason), names each sensor by its certificate's CN, decodes its frames and
// hands each batch to the Pipeline, which stores it durably with the sensor's cursor (or recognises a
// duplicate); only then is the batch acknowledged. A malformed frame is logged, counted and closes that
// connection; the daemon keeps serving.
// Thread contract: listen()/start()/stop() from the owner; status() from any thread. Connections run on
// the server's own io thread; the pipeline's completions are posted back to it.
#pragma once

// Boost 1.74's Asio uses std::exchange without including <utility> (g++ 12, C++20).
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "config.h"
#include "pipeline.h"

namespace vigil::daemon {

class LinkServer {
 public:
  // Reads the certificate files; errors name the file.
  static Result<std::unique_ptr<LinkServer>> open(const LinkConfig& config, Pipeline& pipeline);
  ~LinkServer();
  LinkServer(const LinkServer&) = delete;
  LinkServer& operator=(const LinkServer&) = delete;

  // Binds link.listen; the error names the address.
  Result<void> listen();
  void start();
  // Stops accepting, closes every connection (unacknowledged batches are resent by their sensors)
  // and joins the thread. Call before the pipeline stops.
  void stop();

  // {mode: central, listen, refused, malformed, sensors: [{name, connected, address, last_batch_seq, ...}]}
  nlohmann::json status() const;

  class Session;

 private:
  LinkServer(LinkConfig config, std::shared_ptr<boost::asio::ssl::context> tls, Pipeline& pipeline);
  void accept();

  friend class Session;
  struct SensorFigures {
    int connections = 0;
    std::string address;
    uint64_t last_batch_seq = 0;
    uint64_t batches = 0;
    uint64_t duplicates = 0;
    uint64_t events = 0;
  };

  LinkConfig config_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  Pipeline& pipeline_;
  // Shared with the pipeline's completions, which may be posted after stop().
  std::shared_ptr<boost::asio::io_context> io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::string endpoint_;
  // io thread. Owns each open session: one that paused reading (too many batches in the pipeline) has
  // no handler pending that would keep it alive.
  std::map<Session*, std::shared_ptr<Session>> sessions_;

  mutable std::mutex figures_mutex_;
  std::map<std::string, SensorFigures> sensors_;  // by CN, under figures_mutex_
  uint64_t refused_ = 0;                          // under figures_mutex_
  uint64_t malformed_ = 0;                        // under figures_mutex_

  std::thread thread_;
};

}  // namespace vigil::daemon
