// Helpers for the operations tests (metrics, forwarders, reload): a plain-socket HTTP exchange, the
// Prometheus text parsed into series, a UDP sender, and vigild with one live sensor on a veth pair.
// Thread contract: test code, one thread. The live fixture needs root.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "daemon_harness.h"
#include "netns.h"
#include "run_command.h"

namespace vigil::test {

// "127.0.0.1:9477" -> connected TCP socket (30 s receive timeout), or -1.
inline int connect_tcp(const std::string& endpoint) {
  const size_t colon = endpoint.rfind(':');
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(std::stoi(endpoint.substr(colon + 1))));
  if (::inet_pton(AF_INET, endpoint.substr(0, colon).c_str(), &to.sin_addr) != 1) return -1;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval timeout{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline void send_all(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server closed early (an oversized request): the reply tells
    sent += static_cast<size_t>(n);
  }
}

// Everything the server sends until it closes the connection.
inline std::string read_to_end(int fd) {
  std::string out;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

// Sends `request` as it is and returns the whole response ("" when no connection).
inline std::string http_exchange(const std::string& endpoint, const std::string& request) {
  const int fd = connect_tcp(endpoint);
  if (fd < 0) return "";
  send_all(fd, request);
  std::string response = read_to_end(fd);
  ::close(fd);
  return response;
}

inline int http_status(const std::string& response) {
  if (!response.starts_with("HTTP/1.1 ") || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

inline std::string http_body(const std::string& response) {
  const size_t at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

// Prometheus text: series ("name{labels}" as written) -> value; HELP/TYPE lines checked for form.
inline std::map<std::string, double> parse_exposition(const std::string& text) {
  std::map<std::string, double> series;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) continue;
    INFO("line: " << line);
    REQUIRE(line[0] != '#');
    const size_t space = line.rfind(' ');
    REQUIRE(space != std::string::npos);
    series[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return series;
}

inline void send_udp(const std::string& to_address, uint16_t port, const std::string& payload) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  ::inet_pton(AF_INET, to_address.c_str(), &to.sin_addr);
  (void)::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  ::close(fd);
}

// Polls `done` every 50 ms for up to 60 s (a generous bound for a loaded CI machine, not a timing
// assertion); returns its last answer.
template <typename F>
bool eventually(F done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// vigild in namespace b of a veth pair with one sensor "edge-test" on its end; `rules` and the
// correlation files are written into the temp dir; `extra_yaml` is appended to the config.
class LiveDaemon {
 public:
  LiveDaemon(const std::string& rules, const std::map<std::string, std::string>& correlation,
             const std::string& extra_yaml) {
    REQUIRE(net.error().empty());
    std::filesystem::create_directories(dir.file("rules"));
    std::filesystem::create_directories(dir.file("correlation"));
    write_file(dir.file("rules/live.rules"), rules);
    for (const auto& [name, text] : correlation) write_file(dir.file("correlation/" + name), text);
    write_file(dir.file("vigil.yaml"), "data_dir: data\n"
                                       "sensors:\n"
                                       "  - {name: edge-test, zone: wan, interface: " + net.if_b() + "}\n"
                                       "rules: {paths: [rules]}\n"
                                       "correlation: {paths: [correlation]}\n"
                                       "control: {socket: control.sock}\n" + extra_yaml);
    start();
  }

  void start() {
    sensors::test::InNetns inside(net.ns_b());  // the forked daemon inherits this thread's namespace
    daemon = std::make_unique<DaemonProcess>(dir.file("vigil.yaml"), dir.file("control.sock"), dir.file("vigild.log"));
  }
  std::string log() const { return read_file(dir.file("vigild.log")); }

  // `count` datagrams to port 9999 from namespace a.
  void send(const std::string& payload, int count = 1) {
    sensors::test::InNetns inside(net.ns_a());
    for (int i = 0; i < count; ++i) send_udp(sensors::test::VethPair::addr_b(), 9999, payload);
  }

  sensors::test::VethPair net;
  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
};

}  // namespace vigil::test
