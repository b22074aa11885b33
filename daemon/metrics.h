// The Prometheus endpoint: `GET /metrics` over plain HTTP/1.1 on a loopback port (metrics.listen),
// answered in the text exposition format 0.0.4. The daemon's figures come from the same JSON the
// `status` method returns (metrics_from_status), so the page and `vigil status` never disagree.
// Anything but a well-formed GET of /metrics gets a 4xx and the connection closes; a client that
// sends too much or too slowly is cut off, and the daemon keeps serving.
// Thread contract: MetricsServer runs on the control io_context's thread (page() is called there).
#pragma once

// Boost 1.74's Asio uses std::exchange without including <utility> (g++ 12, C++20).
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config.h"
#include "vigil/core/result.h"

namespace vigil::daemon {

struct MetricSample {
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

struct MetricFamily {
  std::string name;  // vigil_...
  std::string help;
  std::string type;  // counter | gauge
  std::vector<MetricSample> samples;
};

// The daemon's families from a `status` result: sensors (packets, bytes, alerts, drops), pipeline
// (events, queue depth and drops, store errors), incidents (by state, open), signature and
// correlation rule sets (rules, reloads, last reload ok), forwarders (backlog, delivered, failures),
// the sensor link (`status.link`: a sensor's link to the central daemon, or a central's sensors).
std::vector<MetricFamily> metrics_from_status(const nlohmann::json& status);

// Text exposition format 0.0.4: HELP and TYPE lines, label values escaped.
std::string format_exposition(const std::vector<MetricFamily>& families);

class MetricsServer {
 public:
  static constexpr size_t kMaxRequestBytes = 8192;  // request line and headers
  static constexpr size_t kMaxConnections = 64;     // more at once are closed on accept
  static constexpr int kRequestSeconds = 10;        // the whole request must arrive within this

  // `page` renders the whole exposition; called on the control thread for each GET /metrics.
  MetricsServer(boost::asio::io_context& io, MetricsConfig config, std::function<std::string()> page);
  ~MetricsServer();

  // Binds metrics.listen; an error names the address (in use, not local, ...).
  Result<void> listen();
  // The address actually bound ("127.0.0.1:41234": port 0 in the config picks one).
  std::string endpoint() const;
  void close();

  class Connection;

 private:
  void accept();

  boost::asio::io_context& io_;
  MetricsConfig config_;
  std::function<std::string()> page_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::set<std::shared_ptr<Connection>> connections_;
};

}  // namespace vigil::daemon
