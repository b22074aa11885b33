// LinkSender: the sensor side of the sensor link. A sensor-only vigild hands its live sensors' events
// here instead of to a Pipeline. Events are batched (link.batch_events, or link.batch_interval after the
// batch began), each batch gets the next batch seq and is written durably to the LinkSpool before it is
// sent over mutually authenticated TLS to the central daemon; a batch leaves the spool when the central
// acknowledges it (after it is durable there). The central first says which batch it stored last from
// this sensor (hello): a spool that never numbered that far was replaced, and its batches are
// renumbered. On any error the connection is dropped and remade with exponential backoff (100 ms
// doubling up to link.max_backoff); every unacknowledged batch is then resent in order.
// Thread contract: consume() and status() from any thread; start()/stop() from the owner. Everything
// else runs on the sender's own io thread.
#pragma once

// Boost 1.74's Asio uses std::exchange without including <utility> (g++ 12, C++20).
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "config.h"
#include "link/link_spool.h"
#include "vigil/core/interfaces.h"

namespace vigil::daemon {

class LinkSender final : public EventSink {
 public:
  // Opens the spool and reads the certificate files; errors name the file.
  static Result<std::unique_ptr<LinkSender>> open(const LinkConfig& config);
  ~LinkSender() override;
  LinkSender(const LinkSender&) = delete;
  LinkSender& operator=(const LinkSender&) = delete;

  void start();
  // Spools the events still waiting for their batch, closes the connection and joins the thread.
  // Unacknowledged batches stay in the spool for the next start.
  void stop();

  // Events waiting for their batch beyond this (the io thread is stuck on a slow disk) are dropped
  // and counted: capture must never wait.
  static constexpr size_t kMaxPending = 1u << 20;
  void consume(Event event) override;
  // {mode, central, connected, spool_batches, spool_bytes, last_acked_seq, next_seq, pending_events
  // (received, not yet in the spool), ...}
  nlohmann::json status() const;

 private:
  using Stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
  struct Connection;

  LinkSender(LinkConfig config, std::shared_ptr<boost::asio::ssl::context> tls, std::unique_ptr<LinkSpool> spool);
  void flush();  // io thread: pending events -> one spooled batch
  void arm_batch_timer();
  void connect();
  void on_tcp_connected(const std::shared_ptr<Connection>& connection, const boost::system::error_code& ec);
  void on_connected(const std::shared_ptr<Connection>& connection);
  void on_hello(const std::shared_ptr<Connection>& connection, uint64_t cursor);
  void send_next(const std::shared_ptr<Connection>& connection);
  void read_frame(const std::shared_ptr<Connection>& connection);
  void on_frame(const std::shared_ptr<Connection>& connection, const boost::system::error_code& ec);
  void drop(const std::shared_ptr<Connection>& connection, const std::string& why);
  void publish();  // io thread: copies the spool's figures for status()

  LinkConfig config_;
  std::string host_;
  std::string port_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::unique_ptr<LinkSpool> spool_;  // io thread only (and stop() after the thread ended)

  boost::asio::io_context io_;
  boost::asio::steady_timer batch_timer_;
  boost::asio::steady_timer reconnect_timer_;
  std::shared_ptr<Connection> connection_;  // io thread: the live one, or null
  int64_t backoff_ms_ = 100;
  bool stopping_ = false;  // io thread

  mutable std::mutex pending_mutex_;
  std::vector<Event> pending_;  // under pending_mutex_
  bool flush_posted_ = false;   // under pending_mutex_
  uint64_t events_received_ = 0;  // under pending_mutex_
  uint64_t alerts_received_ = 0;  // under pending_mutex_
  uint64_t pending_drops_ = 0;    // under pending_mutex_

  struct Figures {
    bool connected = false;
    uint64_t spool_batches = 0;
    uint64_t spool_bytes = 0;
    uint64_t last_acked_seq = 0;
    uint64_t next_seq = 0;
    uint64_t batches_spooled = 0;
    uint64_t events_spooled = 0;
    uint64_t batches_acked = 0;
    uint64_t events_dropped = 0;  // the spool was full (or could not be written)
    uint64_t connects = 0;
    std::string last_error;
  };
  mutable std::mutex figures_mutex_;
  Figures figures_;  // under figures_mutex_

  std::thread thread_;
};

}  // namespace vigil::daemon
