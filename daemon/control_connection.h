// ControlConnection: one control API client on any byte stream (a Unix socket, a TLS stream). Reads
// one JSON-RPC message per line, hands it to ControlApi, writes the replies in order. A line longer than
// the cap gets an error and the connection closes (there is no way to find the next message in it); a
// client that disconnects, mid-line or mid-reply, only loses its own replies.
// Thread contract: everything on the control io_context's thread; replies computed on other threads
// (pipeline, reload) are posted back to it.
#pragma once

// Boost 1.74's Asio uses std::exchange without including <utility> (g++ 12, C++20).
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "control_api.h"
#include "roles.h"

namespace vigil::daemon {

class ControlConnectionBase {
 public:
  virtual ~ControlConnectionBase() = default;
  virtual void close() = 0;
};

template <typename Stream>
class ControlConnection : public ControlConnectionBase,
                          public std::enable_shared_from_this<ControlConnection<Stream>> {
 public:
  // `on_finish` runs once when the connection ends (the server forgets it there).
  ControlConnection(Stream stream, Caller caller, ControlApi& api, size_t max_line,
                    std::function<void(ControlConnectionBase*)> on_finish)
      : stream_(std::move(stream)),
        caller_(std::move(caller)),
        api_(api),
        input_(max_line + 1),
        on_finish_(std::move(on_finish)) {}

  void start() { read(); }

  void close() override {
    boost::system::error_code ignored;
    stream_.lowest_layer().close(ignored);
  }

  Stream& stream() { return stream_; }

 private:
  void read() {
    boost::asio::async_read_until(stream_, input_, '\n',
                                  [self = this->shared_from_this()](boost::system::error_code ec, size_t n) {
                                    self->on_line(ec, n);
                                  });
  }

  void on_line(boost::system::error_code ec, size_t n) {
    if (ec == boost::asio::error::not_found) {
      // The buffer reached its cap without a newline.
      send(error_line(nullptr, rpc_error::kInvalidRequest,
                      "message longer than " + std::to_string(input_.max_size() - 1) +
                          " bytes; closing the connection"));
      closing_ = true;
      return;
    }
    if (ec) return finish();  // EOF, reset, a broken TLS record: the client went away
    std::string line(boost::asio::buffers_begin(input_.data()), boost::asio::buffers_begin(input_.data()) + n - 1);
    input_.consume(n);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) {
      auto self = this->shared_from_this();
      api_.handle(caller_, line, [self](std::string reply) {
        // Replies may come from the pipeline or reload thread: write on the connection's own thread.
        boost::asio::post(self->stream_.get_executor(), [self, reply = std::move(reply)]() mutable {
          self->send(std::move(reply));
        });
      });
    }
    read();
  }

  void send(std::string line) {
    if (!stream_.lowest_layer().is_open()) return;
    outbox_.push_back(std::move(line) + "\n");
    if (outbox_.size() == 1) write();
  }

  void write() {
    boost::asio::async_write(stream_, boost::asio::buffer(outbox_.front()),
                             [self = this->shared_from_this()](boost::system::error_code ec, size_t) {
                               if (ec) return self->finish();
                               self->outbox_.pop_front();
                               if (!self->outbox_.empty()) return self->write();
                               if (self->closing_) self->finish();
                             });
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    close();
    if (on_finish_) on_finish_(this);
  }

  Stream stream_;
  Caller caller_;
  ControlApi& api_;
  boost::asio::streambuf input_;
  std::deque<std::string> outbox_;
  bool closing_ = false;
  bool finished_ = false;
  std::function<void(ControlConnectionBase*)> on_finish_;
};

}  // namespace vigil::daemon
