#include "metrics.h"

#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>

#include <spdlog/spdlog.h>

namespace vigil::daemon {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using nlohmann::json;

namespace {

double number(const json& object, const char* key) {
  if (!object.is_object()) return 0;
  const auto it = object.find(key);
  if (it == object.end()) return 0;
  if (it->is_boolean()) return it->get<bool>() ? 1 : 0;
  return it->is_number() ? it->get<double>() : 0;
}

MetricFamily family(std::string name, std::string type, std::string help) {
  return {std::move(name), std::move(help), std::move(type), {}};
}

void add(MetricFamily& f, double value, std::vector<std::pair<std::string, std::string>> labels = {}) {
  f.samples.push_back({std::move(labels), value});
}

std::string escape_label(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Counters are whole numbers up to 2^53 in practice: print them without an exponent.
  if (value == std::floor(value) && std::fabs(value) < 9.007199254740992e15) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.0f", value);
    return buffer;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

}  // namespace

std::vector<MetricFamily> metrics_from_status(const json& status) {
  std::vector<MetricFamily> out;
  const json sensors = status.value("sensors", json::array());
  auto packets = family("vigil_sensor_packets_total", "counter", "Frames captured by the sensor.");
  auto bytes = family("vigil_sensor_bytes_total", "counter", "Bytes of the frames captured by the sensor.");
  auto alerts = family("vigil_sensor_alerts_total", "counter", "Alerts the sensor's signature rules raised.");
  auto drops = family("vigil_sensor_drops_total", "counter",
                      "Frames lost: kernel (ring buffer full), interface (NIC), queue (workers behind).");
  auto running = family("vigil_sensor_running", "gauge", "1 while the sensor captures, 0 after it failed.");
  for (const json& s : sensors) {
    const std::string name = s.value("name", "");
    add(packets, number(s, "packets"), {{"sensor", name}});
    add(bytes, number(s, "bytes"), {{"sensor", name}});
    add(alerts, number(s, "alerts"), {{"sensor", name}});
    add(drops, number(s, "kernel_drops"), {{"sensor", name}, {"where", "kernel"}});
    add(drops, number(s, "interface_drops"), {{"sensor", name}, {"where", "interface"}});
    add(drops, number(s, "queue_drops"), {{"sensor", name}, {"where", "queue"}});
    add(running, number(s, "running"), {{"sensor", name}});
  }
  for (auto* f : {&packets, &bytes, &alerts, &drops, &running}) out.push_back(std::move(*f));

  const json pipeline = status.value("pipeline", json::object());
  auto received = family("vigil_pipeline_events_received_total", "counter", "Events handed to the pipeline.");
  add(received, number(pipeline, "events_received"));
  auto stored = family("vigil_events_stored_total", "counter", "Events written to storage.");
  add(stored, number(pipeline, "events_stored"));
  auto queue_drops = family("vigil_pipeline_queue_drops_total", "counter",
                            "Events dropped because the pipeline queue was full.");
  add(queue_drops, number(pipeline, "queue_drops"));
  auto depth = family("vigil_pipeline_queue_depth", "gauge", "Events waiting for the pipeline thread.");
  add(depth, number(pipeline, "queue_depth"));
  auto store_errors = family("vigil_pipeline_store_errors_total", "counter", "Failed storage or correlation steps.");
  add(store_errors, number(pipeline, "store_errors"));
  auto changes = family("vigil_incident_changes_total", "counter", "Incidents raised or updated by correlation.");
  add(changes, number(pipeline, "incidents_changed"));
  auto open = family("vigil_incidents_open", "gauge", "Open incidents the correlator adds matches to.");
  add(open, number(pipeline, "open_incidents"));
  for (auto* f : {&received, &stored, &queue_drops, &depth, &store_errors, &changes, &open}) {
    out.push_back(std::move(*f));
  }

  if (const json incidents = status.value("incidents", json::object()); incidents.contains("by_state")) {
    auto by_state = family("vigil_incidents", "gauge", "Stored incidents per lifecycle state.");
    for (const auto& [state, count] : incidents["by_state"].items()) {
      add(by_state, count.is_number() ? count.get<double>() : 0, {{"state", state}});
    }
    out.push_back(std::move(by_state));
  }

  auto rules_loaded = family("vigil_rules_loaded", "gauge", "Rules in the running set.");
  auto reloads = family("vigil_rules_reloads_total", "counter", "Successful reloads of the rule set.");
  auto reload_ok = family("vigil_rules_last_reload_ok", "gauge", "0 while the last reload was refused.");
  const std::pair<const char*, const char*> sets[] = {{"rules", "signature"}, {"correlation", "correlation"}};
  for (const auto& [key, set] : sets) {
    if (!status.contains(key)) continue;
    const json& r = status[key];
    add(rules_loaded, number(r, "loaded"), {{"set", set}});
    add(reloads, number(r, "reloads"), {{"set", set}});
    add(reload_ok, r.value("last_reload_error", "").empty() ? 1 : 0, {{"set", set}});
  }
  for (auto* f : {&rules_loaded, &reloads, &reload_ok}) out.push_back(std::move(*f));

  auto backlog = family("vigil_forwarder_backlog", "gauge", "Incident records spooled and not delivered yet.");
  auto delivered = family("vigil_forwarder_delivered_total", "counter", "Records the forwarder delivered.");
  auto failures = family("vigil_forwarder_failures_total", "counter", "Failed deliveries (retried with backoff).");
  for (const json& f : status.value("forwarders", json::array())) {
    const std::vector<std::pair<std::string, std::string>> labels = {{"forwarder", f.value("name", "")},
                                                                     {"type", f.value("type", "")}};
    add(backlog, number(f, "backlog"), labels);
    add(delivered, number(f, "delivered"), labels);
    add(failures, number(f, "failures"), labels);
  }
  for (auto* f : {&backlog, &delivered, &failures}) out.push_back(std::move(*f));

  if (const json link = status.value("link", json::object()); link.contains("mode")) {
    auto up = family("vigil_sensor_link_up", "gauge", "1 while the sensor link with the peer is connected.");
    if (link["mode"] == "sensor") {
      const std::vector<std::pair<std::string, std::string>> peer = {{"peer", link.value("central", "")}};
      add(up, number(link, "connected"), peer);
      auto unacked = family("vigil_sensor_link_backlog_batches", "gauge",
                            "Event batches spooled for the central daemon and not acknowledged yet.");
      add(unacked, number(link, "spool_batches"), peer);
      auto dropped = family("vigil_sensor_link_events_dropped_total", "counter",
                            "Events dropped because the link spool was full.");
      add(dropped, number(link, "events_dropped"), peer);
      for (auto* f : {&up, &unacked, &dropped}) out.push_back(std::move(*f));
    } else {
      auto batches = family("vigil_sensor_link_batches_total", "counter", "Event batches stored from the sensor.");
      auto duplicates = family("vigil_sensor_link_duplicate_batches_total", "counter",
                               "Batches the sensor sent again and that were dropped as already stored.");
      for (const json& sensor : link.value("sensors", json::array())) {
        const std::vector<std::pair<std::string, std::string>> peer = {{"peer", sensor.value("name", "")}};
        add(up, number(sensor, "connected"), peer);
        add(batches, number(sensor, "batches"), peer);
        add(duplicates, number(sensor, "duplicate_batches"), peer);
      }
      auto refused = family("vigil_sensor_link_refused_total", "counter", "Link connections refused (certificate).");
      add(refused, number(link, "refused"));
      for (auto* f : {&up, &batches, &duplicates, &refused}) out.push_back(std::move(*f));
    }
  }

  auto uptime = family("vigil_uptime_seconds", "gauge", "Seconds since vigild started.");
  add(uptime, number(status, "uptime_seconds"));
  out.push_back(std::move(uptime));
  auto info = family("vigil_build_info", "gauge", "Always 1; the version in a label.");
  add(info, 1, {{"version", status.value("version", "")}});
  out.push_back(std::move(info));
  return out;
}

std::string format_exposition(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const MetricFamily& f : families) {
    std::string help;
    for (const char c : f.help) help += c == '\n' ? std::string("\\n") : c == '\\' ? std::string("\\\\") : std::string(1, c);
    out += "# HELP " + f.name + " " + help + "\n";
    out += "# TYPE " + f.name + " " + f.type + "\n";
    for (const MetricSample& s : f.samples) {
      out += f.name;
      if (!s.labels.empty()) {
        out += '{';
        for (size_t i = 0; i < s.labels.size(); ++i) {
          if (i > 0) out += ',';
          out += s.labels[i].first + "=\"" + escape_label(s.labels[i].second) + '"';
        }
        out += '}';
      }
      out += ' ' + format_value(s.value) + '\n';
    }
  }
  return out;
}

// One HTTP request, one response, then the connection closes: a scraper reconnects each time and
// that keeps this small. A deadline covers the whole request, so a slow client holds one slot only
// that long.
class MetricsServer::Connection : public std::enable_shared_from_this<MetricsServer::Connection> {
 public:
  Connection(tcp::socket socket, MetricsServer& server)
      : socket_(std::move(socket)), deadline_(socket_.get_executor()), input_(kMaxRequestBytes), server_(server) {}

  void start() {
    deadline_.expires_after(std::chrono::seconds(kRequestSeconds));
    deadline_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->respond(408, "Request Timeout", "request not complete in time\n");
    });
    asio::async_read_until(socket_, input_, "\r\n\r\n",
                           [self = shared_from_this()](boost::system::error_code ec, size_t n) { self->on_request(ec, n); });
  }

  void close() {
    boost::system::error_code ignored;
    deadline_.cancel();
    socket_.close(ignored);
  }

 private:
  void on_request(boost::system::error_code ec, size_t n) {
    if (responded_) return;
    if (ec == asio::error::not_found) {
      return respond(431, "Request Header Fields Too Large",
                     "request longer than " + std::to_string(kMaxRequestBytes) + " bytes\n");
    }
    if (ec) return finish();
    const std::string head(asio::buffers_begin(input_.data()), asio::buffers_begin(input_.data()) + n);
    const std::string line = head.substr(0, head.find("\r\n"));
    // "GET /metrics HTTP/1.1": three parts, one space apart.
    const size_t sp1 = line.find(' ');
    const size_t sp2 = sp1 == std::string::npos ? std::string::npos : line.find(' ', sp1 + 1);
    if (sp2 == std::string::npos || line.find(' ', sp2 + 1) != std::string::npos ||
        !line.substr(sp2 + 1).starts_with("HTTP/1.")) {
      return respond(400, "Bad Request", "not an HTTP/1.x request line\n");
    }
    const std::string method = line.substr(0, sp1);
    std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    target = target.substr(0, target.find('?'));
    if (method != "GET") return respond(405, "Method Not Allowed", "only GET is served\n", "Allow: GET\r\n");
    if (target != "/metrics") return respond(404, "Not Found", "the metrics are at /metrics\n");
    std::string body;
    try {
      body = server_.page_();
    } catch (const std::exception& e) {
      spdlog::error("metrics: cannot render the page: {}", e.what());
      return respond(500, "Internal Server Error", "cannot render the metrics\n");
    }
    respond(200, "OK", std::move(body), "", "text/plain; version=0.0.4; charset=utf-8");
  }

  void respond(int code, const std::string& reason, std::string body, const std::string& extra_headers = "",
               const std::string& type = "text/plain; charset=utf-8") {
    if (responded_ || !socket_.is_open()) return;
    responded_ = true;
    output_ = "HTTP/1.1 " + std::to_string(code) + " " + reason + "\r\nContent-Type: " + type +
              "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n" + extra_headers +
              "\r\n" + body;
    asio::async_write(socket_, asio::buffer(output_),
                      [self = shared_from_this()](boost::system::error_code, size_t) { self->finish(); });
  }

  void finish() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    close();
    server_.connections_.erase(shared_from_this());
  }

  tcp::socket socket_;
  asio::steady_timer deadline_;
  asio::streambuf input_;
  MetricsServer& server_;
  std::string output_;
  bool responded_ = false;
};

MetricsServer::MetricsServer(asio::io_context& io, MetricsConfig config, std::function<std::string()> page)
    : io_(io), config_(std::move(config)), page_(std::move(page)), acceptor_(io) {}

MetricsServer::~MetricsServer() { close(); }

Result<void> MetricsServer::listen() {
  auto parsed = parse_listen_address(config_.listen);
  if (!parsed) return fail(parsed.error().with_context("metrics.listen"));
  if (!parsed->loopback && !config_.allow_remote) {
    return fail(ErrorCode::invalid_argument, "metrics.listen: " + config_.listen + " is not a loopback address");
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(parsed->address, ec);
  if (ec) return fail(ErrorCode::invalid_argument, "metrics.listen: " + config_.listen + ": " + ec.message());
  const tcp::endpoint endpoint(address, parsed->port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return fail(ErrorCode::io_error, "metrics.listen: cannot listen on " + config_.listen + ": " + ec.message());
  }
  accept();
  return ok();
}

std::string MetricsServer::endpoint() const {
  boost::system::error_code ec;
  const auto local = acceptor_.local_endpoint(ec);
  if (ec) return "";
  const std::string address = local.address().to_string();
  return (local.address().is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(local.port());
}

void MetricsServer::close() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (const auto& connection : connections_) connection->close();
  connections_.clear();
}

void MetricsServer::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      if (connections_.size() >= kMaxConnections) {
        boost::system::error_code ignored;
        socket.close(ignored);  // a flood of idle clients must not take every descriptor
      } else {
        auto connection = std::make_shared<Connection>(std::move(socket), *this);
        connections_.insert(connection);
        connection->start();
      }
    }
    accept();
  });
}

}  // namespace vigil::daemon
