// Live capture on a real interface: two network namespaces joined by a veth pair, a LiveSensor on
// one end, real TCP, UDP and ICMP sockets sending attack payloads across. What a user checks: the
// alerts and flow events arrive, carrying the sensor's name and zone. Tagged [root]: without
// root they are skipped with a warning (CI runs as root). Capture errors are checked too.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

// Boost 1.74's Asio uses std::exchange without including <utility> (g++ 12, C++20).
#include <utility>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <set>
#include <string>

#include "sensors/frames.h"
#include "sensors/netns.h"
#include "vigil/sensors/live_sensor.h"
#include "vigil/sensors/pcap_live_source.h"

using namespace vigil;
using namespace vigil::sensors;
using namespace vigil::sensors::test;

namespace {

const char* kLiveRules =
    "alert tcp any any -> any 8080 (msg:\"VIGIL live attack\"; flow:established,to_server; "
    "content:\"vigil-attack-one\"; sid:9100001; rev:1;)\n"
    "alert tcp any any -> any 8080 (msg:\"VIGIL live split attack\"; flow:established,to_server; "
    "content:\"vigil-split-attack\"; sid:9100002; rev:1;)\n"
    "alert udp any any -> any 5353 (msg:\"VIGIL live udp\"; content:\"vigil-udp-attack\"; sid:9100003; rev:1;)\n"
    "alert icmp any any -> any any (msg:\"VIGIL live icmp probe\"; itype:8; content:\"vigil-icmp-probe\"; "
    "sid:9100004; rev:1;)\n";

constexpr uint16_t kTcpPort = 8080;
constexpr uint16_t kUdpPort = 5353;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

sockaddr_in address(const std::string& ip, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &sa.sin_addr);
  return sa;
}
sockaddr* as_sockaddr(sockaddr_in& sa) { return reinterpret_cast<sockaddr*>(&sa); }  // NOLINT: BSD sockets API

// Every blocking call gives up after 5 s so a broken setup fails instead of hanging.
Fd make_socket(int type, int protocol) {
  Fd fd(::socket(AF_INET, type, protocol));
  REQUIRE(fd.get() >= 0);
  timeval tv{5, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

Fd listen_on(const std::string& ip, uint16_t port, int type) {
  Fd fd = make_socket(type, 0);
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa = address(ip, port);
  REQUIRE(::bind(fd.get(), as_sockaddr(sa), sizeof sa) == 0);
  if (type == SOCK_STREAM) REQUIRE(::listen(fd.get(), 8) == 0);
  return fd;
}

Fd connect_to(const std::string& ip, uint16_t port) {
  Fd fd = make_socket(SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // each send() its own segment
  sockaddr_in sa = address(ip, port);
  REQUIRE(::connect(fd.get(), as_sockaddr(sa), sizeof sa) == 0);
  return fd;
}

void send_text(const Fd& fd, const std::string& s) {
  REQUIRE(::send(fd.get(), s.data(), s.size(), 0) == static_cast<ssize_t>(s.size()));
}

std::string receive_exactly(const Fd& fd, size_t n) {
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::recv(fd.get(), out.data() + got, n - got, 0);
    REQUIRE(r > 0);
    got += static_cast<size_t>(r);
  }
  return out;
}

Fd accept_from(const Fd& listener) {
  Fd fd(::accept(listener.get(), nullptr, nullptr));
  REQUIRE(fd.get() >= 0);
  return fd;
}

uint16_t internet_checksum(const Bytes& b) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < b.size(); i += 2) sum += static_cast<uint32_t>((b[i] << 8) | b[i + 1]);
  if (b.size() % 2 != 0) sum += static_cast<uint32_t>(b.back() << 8);
  while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

std::shared_ptr<const rules::RuleSet> live_rules() {
  rules::RuleLoadReport report;
  auto rule_set = rules::compile_rule_text(kLiveRules, "live.rules", rules::RuleVariables::suricata_defaults(), report);
  REQUIRE(rule_set.has_value());
  REQUIRE(report.issues.empty());
  return *rule_set;
}

bool have_root() {
  if (::geteuid() == 0) return true;
  WARN("live capture needs root (CI runs as root): skipped");
  return false;
}

// What the sensor emitted while real traffic crossed the veth pair.
struct LiveRun {
  std::vector<Event> events;     // the sensor on the server's end ("edge-hn-01", wan)
  std::vector<Event> events_dc;  // a second sensor in the same process, on the client's end
  std::map<uint32_t, int> alerts_by_sid;
  std::vector<Event> of_type(EventType type) const {
    std::vector<Event> out;
    for (const auto& e : events) {
      if (e.type == type) out.push_back(e);
    }
    return out;
  }
};

void send_traffic(const VethPair& net) {
  const std::string server = VethPair::addr_a();
  Fd listener, udp_server;
  {
    InNetns in_a(net.ns_a());
    listener = listen_on(server, kTcpPort, SOCK_STREAM);
    udp_server = listen_on(server, kUdpPort, SOCK_DGRAM);
  }
  InNetns in_b(net.ns_b());

  // A TCP connection with an attack in one segment, and an answer.
  {
    Fd client = connect_to(server, kTcpPort);
    Fd served = accept_from(listener);
    const std::string request = "GET /vigil-attack-one HTTP/1.0\r\n\r\n";
    send_text(client, request);
    CHECK(receive_exactly(served, request.size()) == request);
    send_text(served, "HTTP/1.0 200 OK\r\n\r\n");
    CHECK(receive_exactly(client, 19) == "HTTP/1.0 200 OK\r\n\r\n");
  }
  // The attack split over two segments: the server has the first before the second is sent.
  {
    Fd client = connect_to(server, kTcpPort);
    Fd served = accept_from(listener);
    send_text(client, "POST /upload vigil-sp");
    CHECK(receive_exactly(served, 21) == "POST /upload vigil-sp");
    send_text(client, "lit-attack done\r\n");
    CHECK(receive_exactly(served, 17) == "lit-attack done\r\n");
  }
  // UDP, a query and its answer.
  {
    Fd client = make_socket(SOCK_DGRAM, 0);
    sockaddr_in to = address(server, kUdpPort);
    const std::string datagram = "query vigil-udp-attack";
    REQUIRE(::sendto(client.get(), datagram.data(), datagram.size(), 0, as_sockaddr(to), sizeof to) ==
            static_cast<ssize_t>(datagram.size()));
    char buffer[64];
    sockaddr_in from{};
    socklen_t from_len = sizeof from;
    CHECK(::recvfrom(udp_server.get(), buffer, sizeof buffer, 0, as_sockaddr(from), &from_len) ==
          static_cast<ssize_t>(datagram.size()));
    REQUIRE(::sendto(udp_server.get(), "answer", 6, 0, as_sockaddr(from), from_len) == 6);
    CHECK(::recv(client.get(), buffer, sizeof buffer, 0) == 6);
  }
  // ICMP echo: the kernel in the other namespace answers.
  {
    Fd raw = make_socket(SOCK_RAW, IPPROTO_ICMP);
    Bytes echo = icmp(8, 0, 0x4242, 1, text("vigil-icmp-probe"));
    const uint16_t sum = internet_checksum(echo);
    echo[2] = static_cast<uint8_t>(sum >> 8);
    echo[3] = static_cast<uint8_t>(sum & 0xff);
    sockaddr_in to = address(server, 0);
    REQUIRE(::sendto(raw.get(), echo.data(), echo.size(), 0, as_sockaddr(to), sizeof to) ==
            static_cast<ssize_t>(echo.size()));
    char reply[256];
    CHECK(::recv(raw.get(), reply, sizeof reply, 0) > 0);  // IP header + echo reply
  }
}

LiveRun run_live_traffic(size_t workers = 1) {
  LiveRun run;
  VethPair net;
  REQUIRE(net.error().empty());

  boost::asio::io_context io;
  FakeEventSink sink;
  SystemClock clock;
  SensorOptions options;
  options.identity = {"edge-hn-01", "wan"};
  options.capture.interface = net.if_a();
  options.capture.bpf_filter = "ip";  // the kernel's own IPv6 chatter (router solicitations) is not the test
  options.workers = workers;
  const auto rules = live_rules();
  std::unique_ptr<LiveSensor> sensor;
  {
    InNetns in_a(net.ns_a());
    auto opened = LiveSensor::open(io, options, rules, sink, clock);
    REQUIRE(opened.has_value());
    sensor = std::move(*opened);
  }
  // Several sensors in one process: the other end of the link, another name and zone.
  FakeEventSink sink_dc;
  SensorOptions options_dc = options;
  options_dc.identity = {"dc-core-01", "datacenter"};
  options_dc.capture.interface = net.if_b();
  options_dc.capture.promiscuous = false;
  std::unique_ptr<LiveSensor> sensor_dc;
  {
    InNetns in_b(net.ns_b());
    auto opened = LiveSensor::open(io, options_dc, rules, sink_dc, clock);
    REQUIRE(opened.has_value());
    sensor_dc = std::move(*opened);
  }
  sensor->start();
  sensor_dc->start();
  send_traffic(net);

  // Every packet is in the capture buffer by now; read until the alerts are in (or give up).
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  auto alerts_in = [](const FakeEventSink& s) {
    std::map<uint32_t, int> sids;
    for (const auto& e : s.of_type(EventType::alert)) ++sids[e.alert->signature_id];
    return sids.count(9100001) != 0 && sids.count(9100003) != 0 && sids.count(9100004) != 0;
  };
  while (!(alerts_in(sink) && alerts_in(sink_dc)) && std::chrono::steady_clock::now() < give_up) {
    io.run_one_for(std::chrono::milliseconds(50));
  }
  io.poll();  // what else is buffered: the connections' teardown
  sensor->stop();
  sensor_dc->stop();
  io.poll();
  CHECK_FALSE(sensor->failure().has_value());
  CHECK_FALSE(sensor_dc->failure().has_value());

  run.events = sink.events;
  run.events_dc = sink_dc.events;
  for (const auto& e : run.of_type(EventType::alert)) ++run.alerts_by_sid[e.alert->signature_id];
  return run;
}

}  // namespace

TEST_CASE("live: real traffic across a veth pair gives alerts and flows with sensor and zone",
          "[root][sensors][live][integration]") {
  if (!have_root()) return;
  LiveRun run = run_live_traffic();

  CHECK(run.alerts_by_sid[9100001] == 1);
  CHECK(run.alerts_by_sid[9100003] == 1);
  CHECK(run.alerts_by_sid[9100004] == 1);
  for (const auto& e : run.events) {
    INFO(to_string(e.type));
    CHECK(e.sensor == "edge-hn-01");
    CHECK(e.zone == "wan");
  }
  for (const auto& alert : run.of_type(EventType::alert)) {
    if (alert.alert->signature_id == 9100001) {
      CHECK(alert.src_ip->to_string() == VethPair::addr_b());
      CHECK(alert.dest_ip->to_string() == VethPair::addr_a());
      CHECK(alert.dest_port == kTcpPort);
      CHECK(alert.payload == "GET /vigil-attack-one HTTP/1.0\r\n\r\n");
    }
  }

  int tcp_flows = 0, udp_flows = 0, icmp_flows = 0;
  for (const auto& flow : run.of_type(EventType::flow)) {
    INFO(proto_name(flow.proto) << " flow to port " << flow.dest_port);
    CHECK(flow.src_ip->to_string() == VethPair::addr_b());  // the client opened every flow
    CHECK(flow.dest_ip->to_string() == VethPair::addr_a());
    CHECK(flow.flow->pkts_toserver > 0);
    CHECK(flow.flow->pkts_toclient > 0);
    if (flow.proto == kProtoTcp && flow.dest_port == kTcpPort) {
      ++tcp_flows;
      CHECK(flow.flow->state != "new");
      CHECK(flow.flow->bytes_toserver > 0);
    }
    if (flow.proto == kProtoUdp && flow.dest_port == kUdpPort) ++udp_flows;
    if (flow.proto == kProtoIcmp) ++icmp_flows;
  }
  CHECK(tcp_flows == 2);
  CHECK(udp_flows == 1);
  CHECK(icmp_flows == 1);

  const auto stats = run.of_type(EventType::stats);
  REQUIRE_FALSE(stats.empty());
  std::map<std::string, uint64_t> counters(stats.back().stats->counters.begin(), stats.back().stats->counters.end());
  CHECK(counters.at("decoder.pkts") >= 10);
  CHECK(counters.count("capture.kernel_drops") == 1);
  CHECK(counters.count("capture.queue_drops") == 1);
  CHECK(counters.at("flow.created") == 4);

  // The second sensor saw the same traffic and says so under its own name and zone.
  std::map<uint32_t, int> dc_sids;
  for (const auto& e : run.events_dc) {
    CHECK(e.sensor == "dc-core-01");
    CHECK(e.zone == "datacenter");
    if (e.type == EventType::alert) ++dc_sids[e.alert->signature_id];
  }
  CHECK(dc_sids[9100001] == 1);
  CHECK(dc_sids[9100003] == 1);
  CHECK(dc_sids[9100004] == 1);
}

// TCP stream reassembly joins the two segments: the content matches once, on the second.
TEST_CASE("live: an attack split over two TCP segments alerts once", "[root][sensors][live][integration]") {
  if (!have_root()) return;
  LiveRun run = run_live_traffic();
  CHECK(run.alerts_by_sid[9100002] == 1);
}

TEST_CASE("live: pull mode reads packets until stop()", "[root][sensors][live]") {
  if (!have_root()) return;
  VethPair net;
  REQUIRE(net.error().empty());
  boost::asio::io_context io;
  LiveCaptureOptions options;
  options.interface = net.if_a();
  options.bpf_filter = "udp port 5353";
  // Without immediate mode the kernel hands over a block when it is full or its timeout ends.
  options.immediate = GENERATE(true, false);
  INFO("immediate mode " << options.immediate);
  std::unique_ptr<PcapLiveSource> source;
  {
    InNetns in_a(net.ns_a());
    auto opened = PcapLiveSource::open(io, options);
    REQUIRE(opened.has_value());
    source = std::move(*opened);
  }
  CHECK(source->link_type() == kLinkEthernet);
  {
    InNetns in_b(net.ns_b());
    Fd client = make_socket(SOCK_DGRAM, 0);
    sockaddr_in to = address(VethPair::addr_a(), kUdpPort);
    REQUIRE(::sendto(client.get(), "ping", 4, 0, as_sockaddr(to), sizeof to) == 4);
  }
  RawPacket raw;
  auto got = source->next(raw);
  REQUIRE(got.has_value());
  REQUIRE(*got);
  CHECK(raw.caplen == 14 + 20 + 8 + 4);
  CHECK(raw.ts > 0);
  auto stats = source->stats();
  REQUIRE(stats.has_value());
  CHECK(stats->received == 1);
  CHECK(stats->kernel_drops == 0);
  source->stop();
  auto after = source->next(raw);
  REQUIRE(after.has_value());
  CHECK_FALSE(*after);
}

TEST_CASE("live: capture errors name the interface and what is wrong", "[root][sensors][live]") {
  if (!have_root()) return;
  boost::asio::io_context io;
  SECTION("no such interface") {
    LiveCaptureOptions options;
    options.interface = "vigilnope0";
    auto opened = PcapLiveSource::open(io, options);
    REQUIRE_FALSE(opened.has_value());
    CHECK(opened.error().message == "capture on vigilnope0: no such interface");
    CHECK(opened.error().code == ErrorCode::not_found);
  }
  SECTION("a bad BPF filter is named") {
    LiveCaptureOptions options;
    options.interface = "lo";
    options.bpf_filter = "tcp port banana";
    auto opened = PcapLiveSource::open(io, options);
    REQUIRE_FALSE(opened.has_value());
    CHECK_THAT(opened.error().message, Catch::StartsWith("capture on lo: bad BPF filter 'tcp port banana': "));
  }
  SECTION("no interface at all") {
    auto opened = PcapLiveSource::open(io, LiveCaptureOptions{});
    REQUIRE_FALSE(opened.has_value());
    CHECK(opened.error().code == ErrorCode::invalid_argument);
  }
}

TEST_CASE("live: without privileges the error says permission denied", "[sensors][live]") {
  // As root, the check runs in a child that gives root up first.
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(pipe_fds[0]);
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(3);
    boost::asio::io_context io;
    LiveCaptureOptions options;
    options.interface = "lo";
    auto opened = PcapLiveSource::open(io, options);
    const std::string message = opened.has_value() ? "opened" : opened.error().message;
    const ssize_t written = ::write(pipe_fds[1], message.data(), message.size());
    ::_exit(written == static_cast<ssize_t>(message.size()) ? 0 : 4);
  }
  ::close(pipe_fds[1]);
  std::string message;
  char buffer[512];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) message.append(buffer, static_cast<size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_THAT(message, Catch::StartsWith("capture on lo: permission denied"));
}

namespace {

// A clock the test moves: what the sensor's housekeeping timer reads while no packet comes.
class FakeClock final : public Clock {
 public:
  Timestamp now() const override { return now_; }
  void set(Timestamp t) { now_ = t; }

 private:
  Timestamp now_ = 0;
};

Timestamp wall_now() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TEST_CASE("live: an idle sensor still times flows out and reports stats", "[root][sensors][live]") {
  if (!have_root()) return;
  VethPair net;
  REQUIRE(net.error().empty());
  boost::asio::io_context io;
  FakeEventSink sink;
  FakeClock clock;
  clock.set(wall_now());
  SensorOptions options;
  options.identity = {"edge-idle", "wan"};
  options.capture.interface = net.if_a();
  options.capture.bpf_filter = "udp";
  options.housekeeping_interval = 1000;  // 1 ms of real time between looks at the clock
  options.stats_interval = seconds(60);
  std::unique_ptr<LiveSensor> sensor;
  {
    InNetns in_a(net.ns_a());
    auto opened = LiveSensor::open(io, options, nullptr, sink, clock);
    REQUIRE(opened.has_value());
    sensor = std::move(*opened);
  }
  sensor->start();
  {
    InNetns in_b(net.ns_b());
    Fd client = make_socket(SOCK_DGRAM, 0);
    sockaddr_in to = address(VethPair::addr_a(), kUdpPort);
    REQUIRE(::sendto(client.get(), "hello", 5, 0, as_sockaddr(to), sizeof to) == 5);
  }
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (sensor->stats().packets == 0 && std::chrono::steady_clock::now() < give_up) {
    io.run_one_for(std::chrono::milliseconds(50));
  }
  REQUIRE(sensor->stats().packets == 1);
  CHECK(sink.of_type(EventType::flow).empty());

  clock.set(clock.now() + seconds(200));  // no traffic for 200 s: past the UDP timeout and a stats period
  while ((sink.of_type(EventType::flow).empty() || sink.of_type(EventType::stats).empty()) &&
         std::chrono::steady_clock::now() < give_up) {
    io.run_one_for(std::chrono::milliseconds(50));
  }
  const auto flows = sink.of_type(EventType::flow);
  REQUIRE(flows.size() == 1);
  CHECK(flows[0].flow->reason == "timeout");
  CHECK(flows[0].sensor == "edge-idle");
  const auto stats = sink.of_type(EventType::stats);
  REQUIRE(stats.size() == 1);
  CHECK(stats[0].timestamp == clock.now());
  sensor->stop();
  CHECK(sink.of_type(EventType::stats).size() == 2);  // and a last one at stop
}

TEST_CASE("live: a sensor that falls behind loses packets in the kernel and says how many",
          "[root][sensors][live]") {
  if (!have_root()) return;
  VethPair net;
  REQUIRE(net.error().empty());
  boost::asio::io_context io;
  FakeEventSink sink;
  SystemClock clock;
  SensorOptions options;
  options.identity = {"edge-slow", "wan"};
  options.capture.interface = net.if_a();
  options.capture.bpf_filter = "udp";
  options.capture.buffer_bytes = 64 << 10;  // a small kernel buffer, and nobody reads it meanwhile
  std::unique_ptr<LiveSensor> sensor;
  {
    InNetns in_a(net.ns_a());
    auto opened = LiveSensor::open(io, options, nullptr, sink, clock);
    REQUIRE(opened.has_value());
    sensor = std::move(*opened);
  }
  sensor->start();
  constexpr int kSent = 4000;
  {
    InNetns in_b(net.ns_b());
    Fd client = make_socket(SOCK_DGRAM, 0);
    sockaddr_in to = address(VethPair::addr_a(), kUdpPort);
    const std::string datagram(1000, 'x');
    for (int i = 0; i < kSent; ++i) {
      REQUIRE(::sendto(client.get(), datagram.data(), datagram.size(), 0, as_sockaddr(to), sizeof to) == 1000);
    }
  }
  io.poll();  // read what the buffer kept
  sensor->stop();
  const auto stats = sink.of_type(EventType::stats);
  REQUIRE(stats.size() == 1);
  std::map<std::string, uint64_t> counters(stats[0].stats->counters.begin(), stats[0].stats->counters.end());
  INFO("read " << counters.at("decoder.pkts") << ", kernel drops " << counters.at("capture.kernel_drops"));
  CHECK(counters.at("capture.kernel_drops") > 0);
  CHECK(counters.at("decoder.pkts") + counters.at("capture.kernel_drops") <= kSent);
  CHECK(sensor->stats().drops.kernel == counters.at("capture.kernel_drops"));
}

// What a user compares between `workers: 1` and `workers: 2`: the same alerts, the same flows, each
// with the sensor's name and zone. (Ports and times differ between two live runs, so flows are
// compared by protocol, server port and packet counts.)
TEST_CASE("live: two workers per sensor give the same alerts and flow events as one",
          "[root][sensors][live][workers][integration]") {
  if (!have_root()) return;
  auto summary = [](const LiveRun& run) {
    std::multiset<std::string> flows;
    for (const auto& flow : run.of_type(EventType::flow)) {
      CHECK(flow.sensor == "edge-hn-01");
      CHECK(flow.zone == "wan");
      flows.insert(std::string(proto_name(flow.proto)) + " " + flow.src_ip->to_string() + " -> " +
                   flow.dest_ip->to_string() + ":" + std::to_string(flow.dest_port) + " " +
                   std::to_string(flow.flow->pkts_toserver) + "/" + std::to_string(flow.flow->pkts_toclient));
    }
    for (const auto& alert : run.of_type(EventType::alert)) {
      CHECK(alert.sensor == "edge-hn-01");
      CHECK(alert.zone == "wan");
    }
    return flows;
  };
  const LiveRun one = run_live_traffic(1);
  const LiveRun two = run_live_traffic(2);
  CHECK(two.alerts_by_sid == one.alerts_by_sid);
  CHECK(two.alerts_by_sid.at(9100001) == 1);
  CHECK(two.alerts_by_sid.at(9100002) == 1);
  CHECK(summary(two) == summary(one));
  CHECK(summary(two).size() == 4);
}
