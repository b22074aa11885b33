#include "link/link_sender.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <spdlog/spdlog.h>

#include "link/link_frame.h"
#include "tls_context.h"

namespace vigil::daemon {

namespace asio = boost::asio;
using asio::ip::tcp;

struct LinkSender::Connection {
  Connection(asio::io_context& io, asio::ssl::context& tls) : stream(io, tls), resolver(io) {}
  Stream stream;
  tcp::resolver resolver;
  bool ready = false;      // handshake done
  bool writing = false;
  uint64_t last_sent = 0;  // seq of the last batch written on this connection
  std::string out;
  std::array<uint8_t, kLinkHeaderBytes> header{};
  std::vector<uint8_t> body;
};

Result<std::unique_ptr<LinkSender>> LinkSender::open(const LinkConfig& config) {
  auto tls = make_mtls_client_context({config.cert, config.key, config.ca});
  if (!tls) return fail(tls.error().with_context("link"));
  auto spool = LinkSpool::open(config.spool_dir, config.spool_max_mb << 20);
  if (!spool) return fail(spool.error());
  auto sender = std::unique_ptr<LinkSender>(new LinkSender(config, std::move(*tls), std::move(*spool)));
  const size_t colon = config.central.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == config.central.size()) {
    return fail(ErrorCode::invalid_argument, "link.central: '" + config.central + "' is not host:port");
  }
  sender->host_ = config.central.substr(0, colon);
  if (sender->host_.size() > 2 && sender->host_.front() == '[') sender->host_ = sender->host_.substr(1, sender->host_.size() - 2);
  sender->port_ = config.central.substr(colon + 1);
  sender->publish();
  return sender;
}

LinkSender::LinkSender(LinkConfig config, std::shared_ptr<asio::ssl::context> tls, std::unique_ptr<LinkSpool> spool)
    : config_(std::move(config)),
      tls_(std::move(tls)),
      spool_(std::move(spool)),
      batch_timer_(io_),
      reconnect_timer_(io_) {}

LinkSender::~LinkSender() { stop(); }

void LinkSender::start() {
  if (thread_.joinable()) return;
  asio::post(io_, [this] {
    arm_batch_timer();
    connect();
  });
  thread_ = std::thread([this] { io_.run(); });
}

void LinkSender::stop() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] {
    stopping_ = true;
    flush();
    batch_timer_.cancel();
    reconnect_timer_.cancel();
    if (connection_) {
      boost::system::error_code ignored;
      connection_->resolver.cancel();
      connection_->stream.lowest_layer().close(ignored);
      connection_.reset();
    }
    publish();
  });
  thread_.join();
}

void LinkSender::consume(Event event) {
  bool post_flush = false;
  {
    std::lock_guard lock(pending_mutex_);
    ++events_received_;
    if (event.type == EventType::alert) ++alerts_received_;
    if (pending_.size() >= kMaxPending) {
      ++pending_drops_;
      return;
    }
    pending_.push_back(std::move(event));
    if (pending_.size() >= config_.batch_events && !flush_posted_) post_flush = flush_posted_ = true;
  }
  if (post_flush) asio::post(io_, [this] { flush(); });
}

void LinkSender::flush() {
  std::vector<Event> events;
  {
    std::lock_guard lock(pending_mutex_);
    events.swap(pending_);
    flush_posted_ = false;
  }
  if (events.empty()) return;
  // Never more than batch_events per batch, even when capture outran the io thread.
  for (size_t start = 0; start < events.size(); start += config_.batch_events) {
    const size_t n = std::min(config_.batch_events, events.size() - start);
    const std::string frame = encode_link_batch(spool_->next_seq(), std::span(events).subspan(start, n));
    auto seq = spool_->append(frame);
    std::lock_guard lock(figures_mutex_);
    if (!seq) {
      figures_.events_dropped += n;
      // A full or broken spool fails every batch: log when the reason changes, count every time.
      if (seq.error().message != figures_.last_error) spdlog::error("sensor link: {}; events dropped", seq.error().message);
      figures_.last_error = seq.error().message;
      continue;
    }
    ++figures_.batches_spooled;
    figures_.events_spooled += n;
  }
  publish();
  if (connection_ && connection_->ready) send_next(connection_);
}

void LinkSender::arm_batch_timer() {
  batch_timer_.expires_after(std::chrono::microseconds(config_.batch_interval));
  batch_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    flush();
    arm_batch_timer();
  });
}

void LinkSender::connect() {
  if (stopping_) return;
  auto connection = std::make_shared<Connection>(io_, *tls_);
  connection_ = connection;
  // The central's certificate must name the host we dialled (SAN IP or DNS), not just chain to the CA.
  connection->stream.set_verify_callback(asio::ssl::host_name_verification(host_));
  connection->resolver.async_resolve(
      host_, port_, [this, connection](const boost::system::error_code& ec, tcp::resolver::results_type results) {
        if (connection != connection_) return;
        if (ec) return drop(connection, "cannot resolve " + config_.central + ": " + ec.message());
        asio::async_connect(connection->stream.lowest_layer(), results,
                            [this, connection](const boost::system::error_code& error, const tcp::endpoint&) {
                              on_tcp_connected(connection, error);
                            });
      });
}

void LinkSender::on_tcp_connected(const std::shared_ptr<Connection>& connection, const boost::system::error_code& ec) {
  if (connection != connection_) return;
  if (ec) return drop(connection, "cannot connect to " + config_.central + ": " + ec.message());
  connection->stream.async_handshake(asio::ssl::stream_base::client,
                                     [this, connection](const boost::system::error_code& error) {
                                       if (connection != connection_) return;
                                       if (!error) return on_connected(connection);
                                       std::string reason = error.message();
                                       if (auto detail = last_openssl_error(); !detail.empty()) {
                                         reason += " (" + detail + ")";
                                       }
                                       drop(connection, "TLS handshake with " + config_.central + " failed: " + reason);
                                     });
}

void LinkSender::on_connected(const std::shared_ptr<Connection>& connection) {
  // Not "connected" yet: under TLS 1.3 our handshake ends before the central has checked our
  // certificate, so only its hello says it accepted this sensor.
  read_frame(connection);  // nothing is sent before the central's hello
}

void LinkSender::on_hello(const std::shared_ptr<Connection>& connection, uint64_t cursor) {
  const uint64_t reached = spool_->next_seq() - 1;
  auto renumbered = spool_->renumber_after(cursor);
  if (!renumbered) return drop(connection, renumbered.error().message);
  if (reached < cursor) {
    spdlog::warn("sensor link: {} has stored batches up to {} from this sensor but the spool {} only numbered "
                 "up to {} (was it deleted?): {} unsent batches renumbered from {}",
                 config_.central, cursor, config_.spool_dir, reached, *renumbered, cursor + 1);
  }
  connection->ready = true;
  backoff_ms_ = 100;
  {
    std::lock_guard lock(figures_mutex_);
    figures_.connected = true;
    ++figures_.connects;
    figures_.last_error.clear();
  }
  connection->last_sent = spool_->last_acked();  // resend everything not acknowledged, in order
  spdlog::info("sensor link: connected to {}, {} batches to send", config_.central, spool_->batches());
  publish();
  send_next(connection);
}

void LinkSender::send_next(const std::shared_ptr<Connection>& connection) {
  if (connection->writing) return;
  const uint64_t seq = spool_->next_after(std::max(connection->last_sent, spool_->last_acked()));
  if (seq == 0) return;
  auto frame = spool_->read(seq);
  if (!frame) return drop(connection, frame.error().message);
  connection->out = std::move(*frame);
  connection->writing = true;
  asio::async_write(connection->stream, asio::buffer(connection->out),
                    [this, connection, seq](const boost::system::error_code& ec, size_t) {
                      if (connection != connection_) return;
                      connection->writing = false;
                      if (ec) return drop(connection, "sending to " + config_.central + " failed: " + ec.message());
                      connection->last_sent = seq;
                      send_next(connection);
                    });
}

void LinkSender::read_frame(const std::shared_ptr<Connection>& connection) {
  asio::async_read(connection->stream, asio::buffer(connection->header),
                   [this, connection](const boost::system::error_code& ec, size_t) {
                     if (connection != connection_) return;
                     if (ec) return drop(connection, "connection to " + config_.central + " lost: " + ec.message());
                     auto length = decode_link_header(connection->header);
                     if (!length) return drop(connection, length.error().message);
                     connection->body.resize(*length);
                     asio::async_read(connection->stream, asio::buffer(connection->body),
                                      [this, connection](const boost::system::error_code& error, size_t) {
                                        on_frame(connection, error);
                                      });
                   });
}

void LinkSender::on_frame(const std::shared_ptr<Connection>& connection, const boost::system::error_code& ec) {
  if (connection != connection_) return;
  if (ec) return drop(connection, "connection to " + config_.central + " lost: " + ec.message());
  auto frame = decode_link_frame(connection->body);
  if (!frame) return drop(connection, frame.error().message);
  if (const auto* hello = std::get_if<LinkHello>(&*frame); hello != nullptr && !connection->ready) {
    on_hello(connection, hello->cursor);
    return read_frame(connection);
  }
  const auto* ack = std::get_if<LinkAck>(&*frame);
  if (ack == nullptr || !connection->ready) {
    return drop(connection, "the central daemon sent an unexpected frame (not a hello first, then acks)");
  }
  if (auto done = spool_->acknowledge(ack->seq); !done) spdlog::error("sensor link: {}", done.error().message);
  {
    std::lock_guard lock(figures_mutex_);
    ++figures_.batches_acked;
  }
  publish();
  read_frame(connection);
}

void LinkSender::drop(const std::shared_ptr<Connection>& connection, const std::string& why) {
  if (connection != connection_ || stopping_) return;
  boost::system::error_code ignored;
  connection->stream.lowest_layer().close(ignored);
  connection_.reset();
  {
    std::lock_guard lock(figures_mutex_);
    // A central that stays down fails every attempt: log when the reason changes.
    if (why != figures_.last_error) spdlog::warn("sensor link: {}; retrying in {} ms", why, backoff_ms_);
    figures_.connected = false;
    figures_.last_error = why;
  }
  reconnect_timer_.expires_after(std::chrono::milliseconds(backoff_ms_));
  backoff_ms_ = std::min<int64_t>(backoff_ms_ * 2, std::max<int64_t>(config_.max_backoff / 1000, 100));
  reconnect_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) connect();
  });
}

void LinkSender::publish() {
  std::lock_guard lock(figures_mutex_);
  figures_.spool_batches = spool_->batches();
  figures_.spool_bytes = spool_->bytes();
  figures_.last_acked_seq = spool_->last_acked();
  figures_.next_seq = spool_->next_seq();
}

nlohmann::json LinkSender::status() const {
  uint64_t received = 0;
  uint64_t alerts = 0;
  uint64_t pending_drops = 0;
  {
    std::lock_guard lock(pending_mutex_);
    received = events_received_;
    alerts = alerts_received_;
    pending_drops = pending_drops_;
  }
  std::lock_guard lock(figures_mutex_);
  const Figures& f = figures_;
  return {{"mode", "sensor"},
          {"central", config_.central},
          {"connected", f.connected},
          {"spool_batches", f.spool_batches},
          {"spool_bytes", f.spool_bytes},
          {"last_acked_seq", f.last_acked_seq},
          {"next_seq", f.next_seq},
          {"batches_spooled", f.batches_spooled},
          {"batches_acked", f.batches_acked},
          {"events_received", received},
          {"alerts_received", alerts},
          {"pending_events", received - pending_drops - f.events_spooled - f.events_dropped},
          {"events_spooled", f.events_spooled},
          {"events_dropped", f.events_dropped + pending_drops},
          {"connects", f.connects},
          {"last_error", f.last_error}};
}

}  // namespace vigil::daemon
