// Durable spool, syslog/CEF and EVE forwarders: records wait while the peer is down and arrive after.
#include "vigil/correlator/forwarder.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "correlator/test_support.h"
#include "vigil/core/eve_json.h"

using namespace vigil;
using namespace vigil::correlator;
using vigil::test::TempDir;

namespace {

Incident sample_incident() {
  Incident incident;
  incident.id = "INC-000042";
  incident.title = "SSH brute force | from 203.0.113.7";
  incident.rule_id = "ssh-bruteforce";
  incident.severity = Severity::high;
  incident.category = "unauthorized_access";
  incident.first_seen = 1'700'000'000'000'000;
  incident.last_seen = 1'700'000'060'000'000;
  incident.event_count = 12;
  incident.agencies = {"So TTTT"};
  incident.observables = {{"ip", "203.0.113.7"}};
  incident.timeline = {{incident.last_seen, "correlator", "raised"}};
  return incident;
}

// A TCP listener on 127.0.0.1; port 0 picks a free port.
struct Listener {
  int fd = -1;
  uint16_t port = 0;
  explicit Listener(uint16_t wanted = 0) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(wanted);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(::listen(fd, 4) == 0);
    socklen_t length = sizeof(addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
    port = ntohs(addr.sin_port);
  }
  ~Listener() { ::close(fd); }
  // Accepts the forwarder's connection and reads exactly `bytes`.
  std::string receive(size_t bytes) const {
    int conn = ::accept(fd, nullptr, nullptr);
    REQUIRE(conn >= 0);
    std::string data;
    char buffer[4096];
    while (data.size() < bytes) {
      ssize_t n = ::read(conn, buffer, sizeof(buffer));
      if (n <= 0) break;
      data.append(buffer, static_cast<size_t>(n));
    }
    ::close(conn);
    return data;
  }
};

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("the spool keeps records across a restart until they are acknowledged", "[correlator][forward]") {
  TempDir dir;
  {
    auto spool = ForwardSpool::open(dir.path() / "spool", false);
    REQUIRE(spool);
    for (const char* record : {"one", "two", "three"}) REQUIRE((*spool)->append(record));
    REQUIRE((*spool)->acknowledge(1));
  }
  auto spool = ForwardSpool::open(dir.path() / "spool", false);
  REQUIRE(spool);
  CHECK((*spool)->pending_count() == 2);
  auto pending = (*spool)->pending(10);
  REQUIRE(pending);
  CHECK(*pending == std::vector<std::string>{"two", "three"});
  CHECK_FALSE((*spool)->acknowledge(3));  // more than pending
  REQUIRE((*spool)->acknowledge(2));
  CHECK((*spool)->pending_count() == 0);
  CHECK(std::filesystem::file_size(dir.path() / "spool" / "records.spool") == 0);  // drained: starts over
}

TEST_CASE("a record torn by a crash is cut off, the rest survive", "[correlator][forward]") {
  TempDir dir;
  {
    auto spool = ForwardSpool::open(dir.path(), false);
    REQUIRE(spool);
    REQUIRE((*spool)->append("whole"));
  }
  {
    std::ofstream torn(dir.path() / "records.spool", std::ios::binary | std::ios::app);
    torn << std::string("\x40\x00\x00\x00\x01\x02", 6) << "partial";  // claims 64 bytes, has 7
  }
  auto spool = ForwardSpool::open(dir.path(), false);
  REQUIRE(spool);
  CHECK((*spool)->pending_count() == 1);
  REQUIRE((*spool)->append("after"));
  auto pending = (*spool)->pending(10);
  REQUIRE(pending);
  CHECK(*pending == std::vector<std::string>{"whole", "after"});
}

TEST_CASE("syslog/CEF: RFC 5424 header, CEF fields escaped", "[correlator][forward]") {
  std::string line = format_syslog_cef(sample_incident(), "soc-1");
  // local4 (20) * 8 + error (3, for high)
  CHECK_THAT(line, Catch::StartsWith("<163>1 2023-11-14T22:14:20.000000+00:00 soc-1 vigil - incident - "
                                     "CEF:0|vigil|vigil|1|ssh-bruteforce|SSH brute force \\| from 203.0.113.7|8|"));
  CHECK_THAT(line, Catch::Contains("externalId=INC-000042 cat=unauthorized_access outcome=new cs1Label=layer cs1=1"));
  CHECK_THAT(line, Catch::Contains("cnt=12 start=1700000000000 end=1700000060000"));
  CHECK_THAT(line, Catch::Contains("cs3Label=agencies cs3=So TTTT cs4Label=ip cs4=203.0.113.7"));
  Incident odd = sample_incident();
  odd.category = "a=b\nc";
  CHECK_THAT(format_syslog_cef(odd, ""), Catch::Contains("cat=a\\=b\\nc"));
}

TEST_CASE("syslog forwarder: spools while the collector is down, delivers after", "[correlator][forward]") {
  TempDir dir;
  auto spool = ForwardSpool::open(dir.path(), false);
  REQUIRE(spool);
  uint16_t port = 0;
  {
    Listener probe;  // find a free port, then close it: nothing listens there now
    port = probe.port;
  }
  SyslogTcpForwarder forwarder("127.0.0.1", port);
  PumpOptions options;
  options.first_backoff = seconds(5);
  ForwardPump pump(**spool, forwarder, options);

  std::vector<std::string> lines{format_syslog_cef(sample_incident(), "soc-1"), "second message"};
  for (const auto& line : lines) REQUIRE((*spool)->append(line));
  auto delivered = pump.pump(seconds(100));
  REQUIRE(delivered);
  CHECK(*delivered == 0);
  CHECK(pump.failures() == 1);
  CHECK(pump.retry_at() == seconds(105));
  CHECK((*spool)->pending_count() == 2);
  CHECK(*pump.pump(seconds(104)) == 0);  // backing off: not even tried
  CHECK(pump.failures() == 1);

  Listener collector(port);
  delivered = pump.pump(seconds(105));
  REQUIRE(delivered);
  CHECK(*delivered == 2);
  CHECK((*spool)->pending_count() == 0);
  std::string expected;
  for (const auto& line : lines) expected += std::to_string(line.size()) + " " + line;  // RFC 6587 framing
  CHECK(collector.receive(expected.size()) == expected);
}

TEST_CASE("EVE file forwarder: incidents as JSON lines, an unwritable file keeps them spooled",
          "[correlator][forward]") {
  TempDir dir;
  auto spool = ForwardSpool::open(dir.path() / "spool", false);
  REQUIRE(spool);
  const auto target = dir.path() / "out" / "incidents.json";
  EveFileForwarder forwarder(target);
  ForwardPump pump(**spool, forwarder);
  REQUIRE((*spool)->append(to_json(sample_incident())));
  CHECK(*pump.pump(0) == 0);  // the directory does not exist yet
  CHECK((*spool)->pending_count() == 1);
  std::filesystem::create_directories(target.parent_path());
  CHECK(*pump.pump(pump.retry_at()) == 1);
  auto back = incident_from_json(read_text(target).substr(0, read_text(target).size() - 1));
  REQUIRE(back);
  CHECK(back->id == "INC-000042");
}
