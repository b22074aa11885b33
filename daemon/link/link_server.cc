#include "link/link_server.h"

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <deque>
#include <spdlog/spdlog.h>

#include "control_tls.h"
#include "link/link_frame.h"
#include "tls_context.h"

namespace vigil::daemon {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// A pipeline that is this many batches behind for one sensor stops reading from it (TCP then slows
// the sensor down) instead of queueing without bound.
constexpr int kMaxBatchesInFlight = 16;
// A peer that connects and never completes the handshake would hold its socket for ever.
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);

std::string describe(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  return (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
         std::to_string(endpoint.port());
}

}  // namespace

class LinkServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(LinkServer& server, tcp::socket socket)
      : server_(server), stream_(std::move(socket), *server.tls_), handshake_timer_(stream_.get_executor()) {
    boost::system::error_code ec;
    const auto remote = stream_.lowest_layer().remote_endpoint(ec);
    peer_ = ec ? "an unknown peer" : describe(remote);
  }

  void start() {
    handshake_timer_.expires_after(kHandshakeTimeout);
    handshake_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self || self->closed_ || !self->name_.empty()) return;
      self->refuse("no TLS handshake within " + std::to_string(kHandshakeTimeout.count()) + " s");
    });
    stream_.async_handshake(asio::ssl::stream_base::server,
                            [self = shared_from_this()](const boost::system::error_code& ec) { self->on_handshake(ec); });
  }

  // Callers hold a reference: erasing the server's may drop the last other one.
  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    stream_.lowest_layer().close(ignored);
    server_.sessions_.erase(this);
    if (!name_.empty()) {
      std::lock_guard lock(server_.figures_mutex_);
      --server_.sensors_[name_].connections;
    }
  }

 private:
  void on_handshake(const boost::system::error_code& ec) {
    handshake_timer_.cancel();
    if (closed_) return;
    if (ec) {
      std::string reason = ec.message();
      if (auto detail = last_openssl_error(); !detail.empty() && detail != reason) reason += " (" + detail + ")";
      return refuse("TLS handshake failed: " + reason);
    }
    const CertificateName certificate = certificate_name(stream_.native_handle());
    name_ = certificate.cn;
    if (name_.empty()) {
      return refuse("its certificate's subject '" + certificate.subject + "' has no CN to name the sensor");
    }
    {
      std::lock_guard lock(server_.figures_mutex_);
      SensorFigures& figures = server_.sensors_[name_];
      ++figures.connections;
      figures.address = peer_;
    }
    spdlog::info("sensor link: sensor {} connected from {}", name_, peer_);
    auto cursor = server_.pipeline_.stored_link_cursor(name_);
    if (!cursor) {
      spdlog::error("sensor link: sensor {}: {}", name_, cursor.error().message);
      return close();
    }
    acks_.push_back(encode_link_hello(*cursor));
    write_acks();
    read_header();
  }

  void refuse(const std::string& reason) {
    spdlog::warn("sensor link: refused {}: {}", peer_, reason);
    {
      std::lock_guard lock(server_.figures_mutex_);
      ++server_.refused_;
    }
    close();
  }

  void malformed(const std::string& reason) {
    spdlog::error("sensor link: sensor {} from {}: {}; connection closed", name_, peer_, reason);
    {
      std::lock_guard lock(server_.figures_mutex_);
      ++server_.malformed_;
    }
    close();
  }

  void lost(const boost::system::error_code& ec) {
    if (closed_) return;
    if (ec != asio::error::eof && ec != asio::ssl::error::stream_truncated) {
      spdlog::info("sensor link: sensor {} from {}: {}", name_, peer_, ec.message());
    }
    close();
  }

  void read_header() {
    if (closed_) return;
    if (in_flight_ >= kMaxBatchesInFlight) {
      paused_ = true;
      return;
    }
    asio::async_read(stream_, asio::buffer(header_),
                     [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                       if (self->closed_) return;
                       if (ec) return self->lost(ec);
                       auto length = decode_link_header(self->header_);
                       if (!length) return self->malformed(length.error().message);
                       self->body_.resize(*length);
                       self->read_body();
                     });
  }

  void read_body() {
    asio::async_read(stream_, asio::buffer(body_), [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
      if (self->closed_) return;
      if (ec) return self->lost(ec);
      auto frame = decode_link_frame(self->body_);
      if (!frame) return self->malformed(frame.error().message);
      auto* batch = std::get_if<LinkBatch>(&*frame);
      if (batch == nullptr) return self->malformed("a sensor sent an ack");
      self->submit(std::move(*batch));
      self->read_header();
    });
  }

  void submit(LinkBatch batch) {
    ++in_flight_;
    Pipeline::RemoteBatch remote;
    remote.link = name_;
    remote.seq = batch.seq;
    remote.events = std::move(batch.events);
    const size_t events = remote.events.size();
    // Runs on the pipeline thread: back to this session's thread. The io_context is shared so the
    // post stays valid even if the server is gone by then; the session may be, and that is fine (its
    // sensor resends, and the stored cursor makes the resend a duplicate).
    remote.done = [io = server_.io_, weak = weak_from_this(), seq = batch.seq, events](Result<bool> stored) {
      asio::post(*io, [weak, seq, events, stored = std::move(stored)]() mutable {
        if (auto self = weak.lock()) self->on_stored(seq, events, std::move(stored));
      });
    };
    server_.pipeline_.consume_remote(std::move(remote));
  }

  void on_stored(uint64_t seq, size_t events, Result<bool> stored) {
    --in_flight_;
    if (closed_) return;
    if (!stored) {
      // Not durable: no ack. Closing makes the sensor reconnect and resend from its spool.
      spdlog::error("sensor link: batch {} of sensor {} not stored: {}", seq, name_, stored.error().message);
      return close();
    }
    {
      std::lock_guard lock(server_.figures_mutex_);
      SensorFigures& figures = server_.sensors_[name_];
      figures.last_batch_seq = std::max(figures.last_batch_seq, seq);
      if (*stored) {
        ++figures.batches;
        figures.events += events;
      } else {
        ++figures.duplicates;
      }
    }
    acks_.push_back(encode_link_ack(seq));
    write_acks();
    if (paused_) {
      paused_ = false;
      read_header();
    }
  }

  void write_acks() {
    if (writing_ || acks_.empty() || closed_) return;
    writing_ = true;
    asio::async_write(stream_, asio::buffer(acks_.front()),
                      [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                        self->writing_ = false;
                        if (self->closed_) return;
                        if (ec) return self->lost(ec);
                        self->acks_.pop_front();
                        self->write_acks();
                      });
  }

  LinkServer& server_;
  asio::ssl::stream<tcp::socket> stream_;
  asio::steady_timer handshake_timer_;
  std::string peer_;
  std::string name_;
  std::array<uint8_t, kLinkHeaderBytes> header_{};
  std::vector<uint8_t> body_;
  std::deque<std::string> acks_;
  bool writing_ = false;
  bool closed_ = false;
  bool paused_ = false;
  int in_flight_ = 0;
};

Result<std::unique_ptr<LinkServer>> LinkServer::open(const LinkConfig& config, Pipeline& pipeline) {
  auto tls = make_mtls_server_context({config.cert, config.key, config.ca});
  if (!tls) return fail(tls.error().with_context("link"));
  return std::unique_ptr<LinkServer>(new LinkServer(config, std::move(*tls), pipeline));
}

LinkServer::LinkServer(LinkConfig config, std::shared_ptr<asio::ssl::context> tls, Pipeline& pipeline)
    : config_(std::move(config)),
      tls_(std::move(tls)),
      pipeline_(pipeline),
      io_(std::make_shared<asio::io_context>()),
      acceptor_(*io_) {}

LinkServer::~LinkServer() { stop(); }

Result<void> LinkServer::listen() {
  const size_t colon = config_.listen.rfind(':');
  std::string host = colon == std::string::npos ? "" : config_.listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  int port = -1;
  try {
    port = colon == std::string::npos ? -1 : std::stoi(config_.listen.substr(colon + 1));
  } catch (const std::exception&) {
  }
  if (ec || port < 0 || port > 65535) {
    return fail(ErrorCode::invalid_argument, "link.listen: '" + config_.listen + "' is not address:port");
  }
  const tcp::endpoint endpoint(address, static_cast<uint16_t>(port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(ErrorCode::io_error, "link.listen: cannot listen on " + config_.listen + ": " + ec.message());
  endpoint_ = describe(acceptor_.local_endpoint());
  return ok();
}

void LinkServer::start() {
  if (thread_.joinable() || !acceptor_.is_open()) return;
  accept();
  thread_ = std::thread([this] { io_->run(); });
  spdlog::info("sensor link: accepting sensors on {}", endpoint_);
}

void LinkServer::stop() {
  if (!thread_.joinable()) return;
  asio::post(*io_, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    auto sessions = sessions_;
    for (auto& [raw, session] : sessions) session->close();
    io_->stop();
  });
  thread_.join();
}

void LinkServer::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      auto session = std::make_shared<Session>(*this, std::move(socket));
      sessions_[session.get()] = session;
      session->start();
    }
    accept();
  });
}

nlohmann::json LinkServer::status() const {
  std::lock_guard lock(figures_mutex_);
  nlohmann::json sensors = nlohmann::json::array();
  for (const auto& [name, f] : sensors_) {
    sensors.push_back({{"name", name},
                       {"connected", f.connections > 0},
                       {"address", f.address},
                       {"last_batch_seq", f.last_batch_seq},
                       {"batches", f.batches},
                       {"duplicate_batches", f.duplicates},
                       {"events", f.events}});
  }
  return {{"mode", "central"}, {"listen", endpoint_},         {"sensors", std::move(sensors)},
          {"refused", refused_}, {"malformed_frames", malformed_}};
}

}  // namespace vigil::daemon
