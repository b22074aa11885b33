// The sensor link: the frame codec and the sensor's spool as units; the pipeline's durable,
// deduplicating intake on a real RocksStore; and real vigild processes with certificates from a
// throwaway CA: a central daemon fed by a test client (acks, duplicates, malformed frames, refused
// peers), and a sensor-only vigild with a live sensor on a veth pair linked to a central one, across
// kill -9 of either side ([root]).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

// Boost 1.74's Asio uses std::exchange without including <utility> (g++ 12, C++20).
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <algorithm>
#include <chrono>
#include <future>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "config.h"
#include "daemon_harness.h"
#include "link/link_frame.h"
#include "link/link_spool.h"
#include "netns.h"
#include "ops_test_support.h"
#include "pipeline.h"
#include "run_command.h"
#include "test_pki.h"
#include "tls_context.h"
#include "vigil/core/eve_json.h"
#include "vigil/correlator/correlator.h"
#include "vigil/storage/rocks_store.h"

using nlohmann::json;
using vigil::sensors::test::InNetns;
using vigil::sensors::test::VethPair;
using vigil::test::eventually;
using vigil::test::send_udp;

namespace vigil::daemon {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

Event link_alert(uint64_t n, const std::string& sensor = "remote-edge") {
  Event event;
  event.type = EventType::alert;
  event.timestamp = 1'764'000'000'000'000 + static_cast<Timestamp>(n) * 1000;
  event.src_ip = IpAddress::v4(0x0a000001u);
  event.dest_ip = IpAddress::v4(0x0a000002u);
  event.src_port = 40000;
  event.dest_port = 9999;
  event.proto = 17;
  event.sensor = sensor;
  event.zone = "wan";
  AlertInfo alert;
  alert.signature_id = 9999951;
  alert.rev = 1;
  alert.signature = "vigil link test";
  alert.severity = 2;
  event.alert = alert;
  event.payload = "VIGIL-LINK " + std::to_string(n);
  return event;
}

std::span<const uint8_t> bytes(const std::string& text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// ---------------------------------------------------------------------------------------------- codec

TEST_CASE("link frames: a batch and an ack round-trip, the header announces the rest", "[daemon][link]") {
  const std::vector<Event> events = {link_alert(1), link_alert(2)};
  const std::string frame = encode_link_batch(42, events);
  auto length = decode_link_header(bytes(frame).first(kLinkHeaderBytes));
  REQUIRE(length);
  CHECK(*length == frame.size() - kLinkHeaderBytes);
  auto decoded = decode_link_frame(bytes(frame).subspan(kLinkHeaderBytes));
  REQUIRE(decoded);
  const auto& batch = std::get<LinkBatch>(*decoded);
  CHECK(batch.seq == 42);
  REQUIRE(batch.events.size() == 2);
  CHECK(batch.events[1].payload == "VIGIL-LINK 2");
  CHECK(batch.events[1].sensor == "remote-edge");
  CHECK(batch.events[1].zone == "wan");
  CHECK(batch.events[1].alert->signature_id == 9999951);

  const std::string ack = encode_link_ack(7);
  auto decoded_ack = decode_link_frame(bytes(ack).subspan(kLinkHeaderBytes));
  REQUIRE(decoded_ack);
  CHECK(std::get<LinkAck>(*decoded_ack).seq == 7);
}

TEST_CASE("link frames: malformed frames are errors that say what is wrong", "[daemon][link]") {
  const std::string big = "\xff\xff\xff\xff";
  auto length = decode_link_header(bytes(big));
  REQUIRE_FALSE(length);
  CHECK(length.error().message.find("limit") != std::string::npos);
  CHECK_FALSE(decode_link_header(bytes(std::string("\0\0\0\0", 4))));

  const std::string frame = encode_link_batch(3, std::vector<Event>{link_alert(1)});
  const auto body = bytes(frame).subspan(kLinkHeaderBytes);
  CHECK_FALSE(decode_link_frame(body.first(body.size() - 1)));  // an event cut short
  std::string extra(frame.substr(kLinkHeaderBytes) + "x");
  CHECK_FALSE(decode_link_frame(bytes(extra)));  // bytes after the last event
  std::string unknown = frame.substr(kLinkHeaderBytes);
  unknown[0] = 9;
  auto bad_type = decode_link_frame(bytes(unknown));
  REQUIRE_FALSE(bad_type);
  CHECK(bad_type.error().message.find("unknown frame type 9") != std::string::npos);
  std::string huge_count = frame.substr(kLinkHeaderBytes);
  huge_count[9] = '\x7f';  // the count's high byte: far more events than the frame holds
  CHECK_FALSE(decode_link_frame(bytes(huge_count)));
  std::string not_json = encode_link_batch(4, std::vector<Event>{link_alert(1)}).substr(kLinkHeaderBytes);
  not_json[17] = '[';  // the first byte of the event's JSON
  CHECK_FALSE(decode_link_frame(bytes(not_json)));
}

// ---------------------------------------------------------------------------------------------- config

TEST_CASE("link config: sensor and central modes, with every missing piece named", "[daemon][link][config]") {
  std::vector<ConfigIssue> issues;
  auto sensor = parse_config("data_dir: /var/lib/vigil\n"
                             "link: {mode: sensor, central: \"10.0.0.1:7444\", cert: s.pem, key: s.key, ca: ca.pem,\n"
                             "       batch_interval: 50ms}\n",
                             "/etc/vigil/vigil.yaml", issues);
  REQUIRE(sensor);
  CHECK(issues.empty());
  CHECK(sensor->link.mode == "sensor");
  CHECK(sensor->link.cert == "/etc/vigil/s.pem");  // relative to the config file
  CHECK(sensor->link.spool_dir == "/var/lib/vigil/link-spool");
  CHECK(sensor->link.batch_interval == 50'000);

  auto central = parse_config("link: {listen: \"127.0.0.1:7444\", cert: c.pem, key: c.key, ca: ca.pem}\n",
                              "/etc/vigil/vigil.yaml", issues);
  REQUIRE(central);
  CHECK(issues.empty());
  CHECK(central->link.mode == "central");

  auto bad = parse_config("link:\n  mode: sensor\n  cert: s.pem\n  sppol_dir: x\n", "vigil.yaml", issues);
  REQUIRE(bad);
  std::vector<std::string> messages;
  for (const auto& issue : issues) messages.push_back(to_string(issue));
  INFO(Catch::Detail::stringify(messages));
  const auto has = [&](const std::string& text) {
    return std::any_of(messages.begin(), messages.end(), [&](const std::string& m) { return m.find(text) != std::string::npos; });
  };
  CHECK(has("vigil.yaml:4: link.sppol_dir: unknown key"));
  CHECK(has("link.central: is required with mode sensor"));
  CHECK(has("link.key: is required"));
  CHECK(has("link.ca: is required"));
}

// ---------------------------------------------------------------------------------------------- spool

TEST_CASE("link spool: batches survive a reopen until acknowledged, and numbers never repeat", "[daemon][link]") {
  test::TempDir dir;
  const std::string path = dir.file("spool");
  {
    auto spool = LinkSpool::open(path, 1 << 20);
    REQUIRE(spool);
    CHECK((*spool)->next_seq() == 1);
    CHECK((*spool)->append("one").value() == 1);
    CHECK((*spool)->append("two").value() == 2);
    CHECK((*spool)->append("three").value() == 3);
    REQUIRE((*spool)->acknowledge(1));
  }
  {
    auto spool = LinkSpool::open(path, 1 << 20);  // as after kill -9: only what is on disk
    REQUIRE(spool);
    CHECK((*spool)->batches() == 2);
    CHECK((*spool)->bytes() == 8);
    CHECK((*spool)->last_acked() == 1);
    CHECK((*spool)->next_after(1) == 2);
    CHECK((*spool)->read(2).value() == "two");
    CHECK((*spool)->next_seq() == 4);
    REQUIRE((*spool)->acknowledge(3));
    CHECK((*spool)->batches() == 0);
  }
  auto spool = LinkSpool::open(path, 1 << 20);
  REQUIRE(spool);
  CHECK((*spool)->batches() == 0);
  CHECK((*spool)->next_seq() == 4);  // every file is gone; the acknowledged seq still counts
}

TEST_CASE("link spool: a replaced spool renumbers its batches after what the central stored", "[daemon][link]") {
  test::TempDir dir;
  const std::string path = dir.file("spool");
  auto spool = LinkSpool::open(path, 1 << 20);
  REQUIRE(spool);
  REQUIRE((*spool)->append(encode_link_batch(1, std::vector<Event>{link_alert(1)})));
  REQUIRE((*spool)->append(encode_link_batch(2, std::vector<Event>{link_alert(2)})));
  CHECK((*spool)->renumber_after(2).value() == 0);  // not behind: nothing changes
  CHECK((*spool)->renumber_after(40).value() == 2);  // the central stored up to 40 from a spool before this one
  CHECK((*spool)->last_acked() == 40);
  CHECK((*spool)->next_after(40) == 41);
  spool = LinkSpool::open(path, 1 << 20);  // on disk, not just in memory
  REQUIRE(spool);
  CHECK((*spool)->batches() == 2);
  CHECK((*spool)->next_seq() == 43);
  const std::string frame = (*spool)->read(42).value();
  auto decoded = decode_link_frame(bytes(frame).subspan(kLinkHeaderBytes));
  REQUIRE(decoded);
  CHECK(std::get<LinkBatch>(*decoded).seq == 42);
  CHECK(std::get<LinkBatch>(*decoded).events.at(0).payload == "VIGIL-LINK 2");
}

TEST_CASE("link spool: a full spool refuses a batch and keeps what it has", "[daemon][link]") {
  test::TempDir dir;
  auto spool = LinkSpool::open(dir.file("spool"), 10);
  REQUIRE(spool);
  REQUIRE((*spool)->append("12345678"));
  auto refused = (*spool)->append("123");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("full") != std::string::npos);
  CHECK((*spool)->batches() == 1);
  CHECK((*spool)->next_seq() == 2);
}

// ------------------------------------------------------------------------------------ pipeline intake

class FixedClock final : public Clock {
 public:
  Timestamp now() const override { return 1'764'000'000'000'000; }
};

// Feeds one remote batch and waits for its outcome (true stored, false duplicate).
bool feed(Pipeline& pipeline, const std::string& link, uint64_t seq, std::vector<Event> events) {
  std::promise<Result<bool>> outcome;
  Pipeline::RemoteBatch batch;
  batch.link = link;
  batch.seq = seq;
  batch.events = std::move(events);
  batch.done = [&outcome](Result<bool> stored) { outcome.set_value(std::move(stored)); };
  pipeline.consume_remote(std::move(batch));
  auto result = outcome.get_future().get();
  REQUIRE(result);
  return *result;
}

size_t stored_alerts(storage::RocksStore& store) {
  EventQuery query;
  query.limit = 100'000;
  auto events = store.query(query);
  REQUIRE(events);
  return events->size();
}

TEST_CASE("pipeline: a duplicate link batch is not stored twice, cursor and event counter survive a reopen",
          "[daemon][link]") {
  test::TempDir dir;
  const std::string data = dir.file("data");
  FixedClock clock;
  {
    auto store = storage::RocksStore::open(data, {});
    REQUIRE(store);
    correlator::Correlator correlator({}, **store, {}, store->get());
    Pipeline pipeline(**store, correlator, clock, seconds(60));
    REQUIRE(pipeline.start());
    CHECK(feed(pipeline, "wan-sensor", 1, {link_alert(1), link_alert(2)}));
    CHECK_FALSE(feed(pipeline, "wan-sensor", 1, {link_alert(1), link_alert(2)}));  // resent: its ack was lost
    CHECK(feed(pipeline, "wan-sensor", 2, {link_alert(3)}));
    CHECK(feed(pipeline, "dc-sensor", 1, {link_alert(4, "dc")}));  // another sensor counts on its own
    pipeline.stop();
    CHECK(stored_alerts(**store) == 4);
  }
  auto store = storage::RocksStore::open(data, {});
  REQUIRE(store);
  CHECK((*store)->get_state(Pipeline::link_cursor_key("wan-sensor")).value() == std::optional<std::string>("2"));
  CHECK((*store)->get_state(Pipeline::link_cursor_key("dc-sensor")).value() == std::optional<std::string>("1"));
  CHECK((*store)->get_state("pipeline.next_seq").value() == std::optional<std::string>("5"));
  correlator::Correlator correlator({}, **store, {}, store->get());
  Pipeline pipeline(**store, correlator, clock, seconds(60));
  REQUIRE(pipeline.start());
  CHECK_FALSE(feed(pipeline, "wan-sensor", 2, {link_alert(3)}));  // the cursor came back from the store
  CHECK(feed(pipeline, "wan-sensor", 3, {link_alert(5)}));
  pipeline.stop();
  EventQuery query;
  query.limit = 100;
  auto events = (*store)->query(query);
  REQUIRE(events);
  std::set<uint64_t> seqs;
  for (const auto& event : *events) seqs.insert(event.seq);
  CHECK(seqs == std::set<uint64_t>{1, 2, 3, 4, 5});  // numbers continue after the reopen, none reused
}

// ------------------------------------------------------------------------------ central vigild, test peer

uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A sensor speaking the link protocol from the test: connects with `files` (or no certificate at
// all), sends frames, reads acks.
class TestPeer {
 public:
  TestPeer(uint16_t port, std::optional<TlsFiles> files) {
    if (files) {
      auto made = make_mtls_client_context(*files);
      REQUIRE(made);
      tls_ = *made;
    } else {
      tls_ = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
      tls_->set_verify_mode(asio::ssl::verify_none);
    }
    stream_ = std::make_unique<asio::ssl::stream<tcp::socket>>(io_, *tls_);
    stream_->lowest_layer().connect({asio::ip::make_address("127.0.0.1"), port});
    boost::system::error_code ec;
    stream_->handshake(asio::ssl::stream_base::client, ec);
    handshake_ok_ = !ec;
  }
  bool handshake_ok() const { return handshake_ok_; }
  bool send(const std::string& frame) {
    boost::system::error_code ec;
    asio::write(*stream_, asio::buffer(frame), ec);
    return !ec;
  }
  // The central's first frame: the last batch seq it stored from this sensor.
  std::optional<uint64_t> hello() {
    auto frame = read_frame();
    if (!frame || !std::holds_alternative<LinkHello>(*frame)) return std::nullopt;
    return std::get<LinkHello>(*frame).cursor;
  }
  // The next ack's seq (after the hello, if that was not read yet); nullopt when the central closed
  // the connection (or refused us).
  std::optional<uint64_t> read_ack() {
    auto frame = read_frame();
    if (frame && std::holds_alternative<LinkHello>(*frame)) frame = read_frame();
    if (!frame || !std::holds_alternative<LinkAck>(*frame)) return std::nullopt;
    return std::get<LinkAck>(*frame).seq;
  }

 private:
  std::optional<LinkFrame> read_frame() {
    std::array<uint8_t, kLinkHeaderBytes> header{};
    boost::system::error_code ec;
    asio::read(*stream_, asio::buffer(header), ec);
    if (ec) return std::nullopt;
    auto length = decode_link_header(header);
    if (!length) return std::nullopt;
    std::vector<uint8_t> body(*length);
    asio::read(*stream_, asio::buffer(body), ec);
    if (ec) return std::nullopt;
    auto frame = decode_link_frame(body);
    if (!frame) return std::nullopt;
    return std::move(*frame);
  }

  asio::io_context io_;
  std::shared_ptr<asio::ssl::context> tls_;
  std::unique_ptr<asio::ssl::stream<tcp::socket>> stream_;
  bool handshake_ok_ = false;
};

std::string central_config(const std::string& listen, const test::TestCa::Issued& server, const std::string& ca,
                           const std::string& extra = "") {
  return "data_dir: data\n"
         "rules: {paths: [" VIGIL_SOURCE_DIR "/config/rules]}\n"
         "correlation: {paths: [" VIGIL_SOURCE_DIR "/config/correlation]}\n"
         "control: {socket: control.sock}\n"
         "link: {listen: \"" + listen + "\", cert: " + server.cert.string() + ", key: " + server.key.string() +
         ", ca: " + ca + "}\n" + extra;
}

json link_alerts(test::ControlClient& client, const std::string& sensor = "") {
  json params = {{"sid", 9999951}, {"limit", 1000}};
  if (!sensor.empty()) params["sensor"] = sensor;
  return client.call("alerts.list", params)["result"]["alerts"];
}

TEST_CASE("vigild central: a batch is acknowledged once stored, a resent one is acknowledged and not stored again, "
          "a malformed frame closes only its connection",
          "[daemon][link][integration]") {
  test::TempDir dir;
  test::TestCa ca(dir.file("pki"));
  const auto server = ca.issue("central", "central.vigil", "", true);
  const auto sensor = ca.issue("wan-sensor", "wan-sensor-01");
  const uint16_t port = free_port();
  test::write_file(dir.file("vigil.yaml"),
                   central_config("127.0.0.1:" + std::to_string(port), server, ca.ca_cert().string()));
  test::DaemonProcess daemon(dir.file("vigil.yaml"), dir.file("control.sock"), dir.file("vigild.log"));
  INFO(test::read_file(dir.file("vigild.log")));
  REQUIRE(daemon.started());
  test::ControlClient client(dir.file("control.sock"));
  const TlsFiles files{sensor.cert, sensor.key, ca.ca_cert()};

  {
    TestPeer peer(port, files);
    REQUIRE(peer.handshake_ok());
    CHECK(peer.hello() == std::optional<uint64_t>(0));  // nothing stored from this sensor yet
    REQUIRE(peer.send(encode_link_batch(1, std::vector<Event>{link_alert(1), link_alert(2)})));
    CHECK(peer.read_ack() == std::optional<uint64_t>(1));
    // Acknowledged means stored: the alerts are there the moment the ack is.
    json alerts = link_alerts(client);
    REQUIRE(alerts.size() == 2);
    CHECK(alerts[0]["sensor"] == "remote-edge");  // the remote side's name and zone, kept
    CHECK(alerts[0]["zone"] == "wan");
    REQUIRE(peer.send(encode_link_batch(1, std::vector<Event>{link_alert(1), link_alert(2)})));
    CHECK(peer.read_ack() == std::optional<uint64_t>(1));
    REQUIRE(peer.send(encode_link_batch(2, std::vector<Event>{link_alert(3)})));
    CHECK(peer.read_ack() == std::optional<uint64_t>(2));
    CHECK(link_alerts(client).size() == 3);
  }
  {
    TestPeer peer(port, files);
    REQUIRE(peer.handshake_ok());
    REQUIRE(peer.send("\xff\xff\xff\xff\x01"));  // announces 4 GiB
    CHECK(peer.read_ack() == std::nullopt);       // closed
  }
  {
    TestPeer peer(port, files);
    REQUIRE(peer.handshake_ok());
    std::string garbage = encode_link_batch(3, std::vector<Event>{link_alert(9)});
    garbage[kLinkHeaderBytes + 13 + 4] = '{';  // the event's JSON no longer parses
    garbage[kLinkHeaderBytes + 13 + 5] = '{';
    REQUIRE(peer.send(garbage));
    CHECK(peer.read_ack() == std::nullopt);
  }
  // Still serving: the next connection's batch is stored.
  TestPeer peer(port, files);
  REQUIRE(peer.handshake_ok());
  CHECK(peer.hello() == std::optional<uint64_t>(2));  // what it stored survives the connections
  REQUIRE(peer.send(encode_link_batch(3, std::vector<Event>{link_alert(4)})));
  CHECK(peer.read_ack() == std::optional<uint64_t>(3));
  CHECK(link_alerts(client).size() == 4);
  // A sensor far ahead of the pipeline: the central stops reading while 16 batches are in its hands,
  // then goes on; every batch is acknowledged in order.
  std::string burst;
  for (uint64_t seq = 4; seq < 44; ++seq) burst += encode_link_batch(seq, std::vector<Event>{link_alert(seq + 1)});
  REQUIRE(peer.send(burst));
  std::vector<uint64_t> acks;
  for (int i = 0; i < 40; ++i) acks.push_back(peer.read_ack().value_or(0));
  std::vector<uint64_t> expected;
  for (uint64_t seq = 4; seq < 44; ++seq) expected.push_back(seq);
  CHECK(acks == expected);
  CHECK(link_alerts(client).size() == 44);

  const json link = client.call("status")["result"]["link"];
  CHECK(link["mode"] == "central");
  CHECK(link["malformed_frames"] == 2);
  REQUIRE(link["sensors"].size() == 1);
  CHECK(link["sensors"][0]["name"] == "wan-sensor-01");  // named by its certificate
  CHECK(link["sensors"][0]["connected"] == true);
  CHECK(link["sensors"][0]["last_batch_seq"] == 43);
  CHECK(link["sensors"][0]["duplicate_batches"] == 1);
  const std::string log = test::read_file(dir.file("vigild.log"));
  CHECK(log.find("malformed link frame") != std::string::npos);
  const auto shown = test::run_command({VIGIL_CLI, "status", "--socket", dir.file("control.sock")});
  CHECK(shown.exit_code == 0);
  CHECK(shown.out.find("link:       central on 127.0.0.1:" + std::to_string(port) + ", 0 refused, 2 malformed") !=
        std::string::npos);
  CHECK(shown.out.find("sensor wan-sensor-01 from 127.0.0.1:") != std::string::npos);
  CHECK(shown.out.find("connected, last batch 43, 43 batches, 1 duplicates") != std::string::npos);
  CHECK(daemon.stop() == 0);
}

TEST_CASE("vigild central: a peer with a certificate from another CA, or with none, is refused and the log says so",
          "[daemon][link][integration]") {
  test::TempDir dir;
  test::TestCa ca(dir.file("pki"));
  test::TestCa other(dir.file("other-pki"), "some other CA");
  const auto server = ca.issue("central", "central.vigil", "", true);
  const auto stranger = other.issue("stranger", "wan-sensor-01");
  const uint16_t port = free_port();
  test::write_file(dir.file("vigil.yaml"),
                   central_config("127.0.0.1:" + std::to_string(port), server, ca.ca_cert().string()));
  test::DaemonProcess daemon(dir.file("vigil.yaml"), dir.file("control.sock"), dir.file("vigild.log"));
  INFO(test::read_file(dir.file("vigild.log")));
  REQUIRE(daemon.started());
  test::ControlClient client(dir.file("control.sock"));

  // The other CA's sensor trusts our CA for the server, so only the central's check can refuse it.
  {
    TestPeer peer(port, TlsFiles{stranger.cert, stranger.key, ca.ca_cert()});
    if (peer.handshake_ok()) {  // TLS 1.3: the client's side may finish before the server checks
      (void)peer.send(encode_link_batch(1, std::vector<Event>{link_alert(1)}));
      CHECK(peer.read_ack() == std::nullopt);
    }
  }
  {
    TestPeer peer(port, std::nullopt);
    if (peer.handshake_ok()) {
      (void)peer.send(encode_link_batch(1, std::vector<Event>{link_alert(1)}));
      CHECK(peer.read_ack() == std::nullopt);
    }
  }
  REQUIRE(eventually([&] { return client.call("status")["result"]["link"]["refused"] == 2; }));
  CHECK(link_alerts(client).empty());
  const std::string log = test::read_file(dir.file("vigild.log"));
  CHECK(log.find("sensor link: refused 127.0.0.1:") != std::string::npos);
  CHECK(log.find("certificate verify failed") != std::string::npos);
  CHECK(log.find("peer did not return a certificate") != std::string::npos);
  CHECK(client.call("status")["result"]["link"]["sensors"].empty());
  CHECK(daemon.stop() == 0);
}

TEST_CASE("vigild sensor: a sensor-only daemon with another CA's certificate is refused by the central",
          "[daemon][link][integration]") {
  test::TempDir dir;
  test::TestCa ca(dir.file("pki"));
  test::TestCa other(dir.file("other-pki"), "some other CA");
  const auto server = ca.issue("central", "central.vigil", "", true);
  const auto stranger = other.issue("stranger", "edge-stranger");
  const uint16_t port = free_port();
  std::filesystem::create_directories(dir.file("central"));
  std::filesystem::create_directories(dir.file("sensor"));
  test::write_file(dir.file("central/vigil.yaml"),
                   central_config("127.0.0.1:" + std::to_string(port), server, ca.ca_cert().string()));
  test::write_file(dir.file("sensor/vigil.yaml"),
                   "data_dir: data\n"
                   "rules: {paths: [" VIGIL_SOURCE_DIR "/config/rules]}\n"
                   "correlation: {paths: [" VIGIL_SOURCE_DIR "/config/correlation]}\n"
                   "control: {socket: control.sock}\n"
                   "link: {mode: sensor, central: \"127.0.0.1:" + std::to_string(port) + "\", cert: " +
                       stranger.cert.string() + ", key: " + stranger.key.string() + ", ca: " +
                       ca.ca_cert().string() + "}\n");
  test::DaemonProcess central(dir.file("central/vigil.yaml"), dir.file("central/control.sock"),
                              dir.file("central/vigild.log"));
  REQUIRE(central.started());
  test::DaemonProcess sensor(dir.file("sensor/vigil.yaml"), dir.file("sensor/control.sock"),
                             dir.file("sensor/vigild.log"));
  INFO(test::read_file(dir.file("sensor/vigild.log")));
  REQUIRE(sensor.started());
  test::ControlClient client(dir.file("central/control.sock"));
  REQUIRE(eventually([&] { return client.call("status")["result"]["link"]["refused"] >= 1; }));
  test::ControlClient sensor_client(dir.file("sensor/control.sock"));
  const json link = sensor_client.call("status")["result"]["link"];
  CHECK(link["mode"] == "sensor");
  CHECK(link["connected"] == false);
  const auto shown = test::run_command({VIGIL_CLI, "status", "--socket", dir.file("sensor/control.sock")});
  CHECK(shown.out.find("link:       sensor -> 127.0.0.1:" + std::to_string(port) + ", NOT connected") !=
        std::string::npos);
  CHECK(test::read_file(dir.file("central/vigild.log")).find("sensor link: refused 127.0.0.1:") != std::string::npos);
  CHECK(sensor.stop() == 0);
  CHECK(central.stop() == 0);
}

// ------------------------------------------------------------------- sensor-only vigild on a veth pair

// A central vigild and a sensor-only vigild with a live sensor on a veth pair, both in the pair's
// namespace B (the sensor reaches the central on that namespace's loopback).
class LinkedPair {
 public:
  LinkedPair() : ca_(dir_.file("pki")) {
    REQUIRE(net_.error().empty());
    const auto server = ca_.issue("central", "central.vigil", "", true);
    const auto sensor = ca_.issue("edge", "edge-link-01");
    std::filesystem::create_directories(dir_.file("central"));
    std::filesystem::create_directories(dir_.file("sensor/rules"));
    test::write_file(dir_.file("central/vigil.yaml"), central_config("127.0.0.1:7444", server, ca_.ca_cert().string()));
    test::write_file(dir_.file("sensor/rules/link.rules"),
                     "alert udp any any -> any 9999 (msg:\"vigil link test\"; content:\"VIGIL-LINK\"; "
                     "sid:9999951; rev:1;)\n");
    test::write_file(dir_.file("sensor/vigil.yaml"),
                     "data_dir: data\n"
                     "sensors:\n"
                     "  - {name: edge-remote, zone: wan, interface: " + net_.if_b() + "}\n"
                     "rules: {paths: [rules]}\n"
                     "correlation: {paths: [" VIGIL_SOURCE_DIR "/config/correlation]}\n"
                     "control: {socket: control.sock}\n"
                     "link: {mode: sensor, central: \"127.0.0.1:7444\", cert: " + sensor.cert.string() +
                         ", key: " + sensor.key.string() + ", ca: " + ca_.ca_cert().string() +
                         ", max_backoff: 500ms}\n");
  }

  void start_central() {
    InNetns inside(net_.ns_b());
    central_ = std::make_unique<test::DaemonProcess>(dir_.file("central/vigil.yaml"), dir_.file("central/control.sock"),
                                                     dir_.file("central/vigild.log"));
    if (!central_->started()) FAIL(test::read_file(dir_.file("central/vigild.log")));
  }
  void start_sensor() {
    InNetns inside(net_.ns_b());
    sensor_ = std::make_unique<test::DaemonProcess>(dir_.file("sensor/vigil.yaml"), dir_.file("sensor/control.sock"),
                                                    dir_.file("sensor/vigild.log"));
    if (!sensor_->started()) FAIL(test::read_file(dir_.file("sensor/vigild.log")));
  }
  test::DaemonProcess& central() { return *central_; }
  test::DaemonProcess& sensor() { return *sensor_; }
  void kill_central() {
    central_->signal(SIGKILL);
    CHECK(central_->stop() == 128 + SIGKILL);
  }
  void kill_sensor() {
    sensor_->signal(SIGKILL);
    CHECK(sensor_->stop() == 128 + SIGKILL);
  }
  json central_call(const std::string& method, json params = json::object()) {
    test::ControlClient client(dir_.file("central/control.sock"));
    return client.call(method, std::move(params))["result"];
  }
  json sensor_status() {
    test::ControlClient client(dir_.file("sensor/control.sock"));
    return client.call("status")["result"];
  }
  void send(int n) {
    InNetns inside(net_.ns_a());
    send_udp(VethPair::addr_b(), 9999, "VIGIL-LINK " + std::to_string(n));
  }
  // Payload -> how many times the central stored it.
  std::map<std::string, int> stored_payloads() {
    std::map<std::string, int> out;
    json params = {{"sid", 9999951}, {"limit", 1000}};
    for (;;) {
      const json page = central_call("alerts.list", params);
      for (const auto& alert : page["alerts"]) ++out[alert["payload_printable"].get<std::string>()];
      if (page["next_cursor"].get<std::string>().empty()) return out;
      params["cursor"] = page["next_cursor"];
    }
  }
  void send_payload(const std::string& payload) {
    InNetns inside(net_.ns_a());
    send_udp(VethPair::addr_b(), 9999, payload);
  }
  // What a test changes before start_*(): config files, rules, certificates.
  const test::TempDir& dir() const { return dir_; }
  test::TestCa& ca() { return ca_; }
  const VethPair& net() const { return net_; }
  void remove_spool() { std::filesystem::remove_all(dir_.file("sensor/data/link-spool")); }
  std::string sensor_log() const { return dir_.file("sensor/vigild.log"); }
  std::string logs() {
    std::string status;
    if (sensor_ && std::filesystem::exists(dir_.file("sensor/control.sock"))) status = sensor_status().dump();
    return "sensor status: " + status + "\ncentral:\n" + test::read_file(dir_.file("central/vigild.log")) + "\nsensor:\n" +
           test::read_file(dir_.file("sensor/vigild.log"));
  }

 private:
  VethPair net_;
  test::TempDir dir_;
  test::TestCa ca_;
  std::unique_ptr<test::DaemonProcess> central_;
  std::unique_ptr<test::DaemonProcess> sensor_;
};

TEST_CASE("vigild sensor link: a sensor-only daemon's live alerts reach the central with the sensor's name",
          "[daemon][link][live][root][integration]") {
  if (::geteuid() != 0) {
    WARN("live capture needs root (CI runs as root): skipped");
    return;
  }
  LinkedPair pair;
  pair.start_central();
  pair.start_sensor();
  int sent = 0;
  const bool arrived = eventually([&] {
    pair.send(sent++);
    return !pair.central_call("alerts.list", {{"sid", 9999951}})["alerts"].empty();
  });
  INFO(pair.logs());
  REQUIRE(arrived);
  const json alert = pair.central_call("alerts.list", {{"sid", 9999951}})["alerts"][0];
  CHECK(alert["sensor"] == "edge-remote");
  CHECK(alert["zone"] == "wan");
  CHECK(alert["src_ip"] == VethPair::addr_a());

  // The sensor stores nothing itself; its status shows the link.
  const json sensor = pair.sensor_status();
  CHECK(sensor["pipeline"]["events_stored"] == 0);
  CHECK(sensor["link"]["mode"] == "sensor");
  CHECK(sensor["link"]["connected"] == true);
  CHECK(sensor["link"]["central"] == "127.0.0.1:7444");
  const json central = pair.central_call("status")["link"];
  REQUIRE(central["sensors"].size() == 1);
  CHECK(central["sensors"][0]["name"] == "edge-link-01");
  CHECK(central["sensors"][0]["connected"] == true);
  CHECK(central["sensors"][0]["last_batch_seq"] >= 1);
  CHECK(pair.sensor().stop() == 0);
  CHECK(pair.central().stop() == 0);
}

TEST_CASE("vigild sensor link: a sensor whose spool was deleted still gets its new events stored",
          "[daemon][link][live][root][integration]") {
  if (::geteuid() != 0) {
    WARN("live capture needs root (CI runs as root): skipped");
    return;
  }
  LinkedPair pair;
  pair.start_central();
  pair.start_sensor();
  int next = 0;
  REQUIRE(eventually([&] {
    pair.send(next++);
    return !pair.stored_payloads().empty();
  }));
  REQUIRE(eventually([&] { return pair.sensor_status()["link"]["spool_batches"] == 0; }));
  CHECK(pair.sensor().stop() == 0);
  pair.remove_spool();  // a reinstalled sensor: batch numbers start again at 1
  pair.start_sensor();
  const int first_after = next;
  const bool arrived = eventually([&] {
    pair.send(next++);
    const auto stored = pair.stored_payloads();
    for (int n = first_after; n < next; ++n) {
      if (stored.count("VIGIL-LINK " + std::to_string(n)) != 0) return true;
    }
    return false;
  });
  if (!arrived) FAIL("the events after the spool was deleted were not stored; " << pair.logs());
  CHECK(test::read_file(pair.sensor_log()).find("renumbered") != std::string::npos);
  CHECK(pair.sensor().stop() == 0);
  CHECK(pair.central().stop() == 0);
}

TEST_CASE("vigild sensor link: every event is stored exactly once across kill -9 of the central and of the sensor",
          "[daemon][link][live][root][integration]") {
  if (::geteuid() != 0) {
    WARN("live capture needs root (CI runs as root): skipped");
    return;
  }
  LinkedPair pair;
  pair.start_central();
  pair.start_sensor();
  // The capture is open once the daemon answers; wait until a first packet makes it through.
  int next = 0;
  REQUIRE(eventually([&] {
    pair.send(next++);
    return !pair.stored_payloads().empty();
  }));
  INFO(pair.logs());

  // Phase 1: the central is killed while packets keep coming (every 2 ms, so batches are in flight).
  for (int i = 0; i < 300; ++i, ++next) {
    pair.send(next);
    if (i == 150) pair.kill_central();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  // Phase 2: with the central still down, the sensor spools; then it is killed too and restarted.
  for (int i = 0; i < 100; ++i, ++next) pair.send(next);
  REQUIRE(eventually([&] {
    const json s = pair.sensor_status();
    return s["link"]["alerts_received"] == next && s["link"]["pending_events"] == 0;
  }));
  const json spooled = pair.sensor_status()["link"];
  CHECK(spooled["connected"] == false);
  CHECK(spooled["spool_batches"] >= 1);
  pair.kill_sensor();
  pair.start_sensor();
  pair.start_central();

  // Phase 3: the sensor drains its spool into the restarted central.
  const bool drained = eventually([&] {
    const json link = pair.sensor_status()["link"];
    return link["connected"] == true && link["spool_batches"] == 0;
  });
  if (!drained) FAIL("the spool did not drain; " << pair.logs());
  const auto stored = pair.stored_payloads();
  std::vector<std::string> missing;
  std::vector<std::string> repeated;
  for (int n = 0; n < next; ++n) {
    const std::string payload = "VIGIL-LINK " + std::to_string(n);
    const auto found = stored.find(payload);
    if (found == stored.end()) {
      missing.push_back(payload);
    } else if (found->second != 1) {
      repeated.push_back(payload + " x" + std::to_string(found->second));
    }
  }
  INFO("missing: " << missing.size() << (missing.empty() ? "" : " first " + missing.front()));
  INFO("repeated: " << repeated.size() << (repeated.empty() ? "" : " first " + repeated.front()));
  CHECK(missing.empty());
  CHECK(repeated.empty());
  CHECK(stored.size() == static_cast<size_t>(next));
  CHECK(pair.sensor().stop() == 0);
  CHECK(pair.central().stop() == 0);
}

TEST_CASE("vigild central with a live sensor of its own and a remote sensor over mTLS: alerts and incidents from "
          "both through the vigil CLI",
          "[daemon][link][live][root][integration][cli]") {
  if (::geteuid() != 0) {
    WARN("live capture needs root (CI runs as root): skipped");
    return;
  }
  LinkedPair pair;
  const auto& dir = pair.dir();
  // Priority 1 makes each alert an incident through config/correlation/high-severity-alert.yml.
  test::write_file(dir.file("sensor/rules/link.rules"),
                   "alert udp any any -> any 9999 (msg:\"vigil link test\"; content:\"VIGIL-LINK\"; priority:1; "
                   "sid:9999951; rev:1;)\n");
  std::filesystem::create_directories(dir.file("central/rules"));
  test::write_file(dir.file("central/rules/local.rules"),
                   "alert udp any any -> any 9999 (msg:\"vigil local test\"; content:\"VIGIL-LOCAL\"; priority:1; "
                   "sid:9999961; rev:1;)\n");
  const auto server = pair.ca().issue("control", "central.vigil", "", true);
  const auto responder = pair.ca().issue("responder", "lan", "responders");
  test::write_file(dir.file("central/vigil.yaml"),
                   "data_dir: data\n"
                   "sensors:\n"
                   "  - {name: dc-local, zone: datacenter, interface: " + pair.net().if_b() + "}\n"
                   "rules: {paths: [rules]}\n"
                   "correlation: {paths: [" VIGIL_SOURCE_DIR "/config/correlation]}\n"
                   "control:\n"
                   "  socket: control.sock\n"
                   "  tls: {listen: \"127.0.0.1:0\", cert: " + server.cert.string() + ", key: " + server.key.string() +
                       ", ca: " + pair.ca().ca_cert().string() + ", roles: [{ou: responders, role: responder}]}\n"
                   "link: {listen: \"127.0.0.1:7444\", cert: " + server.cert.string() + ", key: " +
                       server.key.string() + ", ca: " + pair.ca().ca_cert().string() + "}\n");
  pair.start_central();
  pair.start_sensor();
  INFO(pair.logs());

  // The responder's CLI reaches the central over TLS, from the namespace the daemons run in.
  const std::string address = pair.central_call("status")["control"]["tls"].get<std::string>();
  auto vigil = [&](std::vector<std::string> args) {
    const std::vector<std::string> tls = {"--connect", address, "--cert", responder.cert.string(), "--key",
                                          responder.key.string(), "--ca", pair.ca().ca_cert().string()};
    args.insert(args.begin(), tls.begin(), tls.end());
    InNetns inside(pair.net().ns_b());
    return test::run_vigil(args);
  };
  auto alerts_by_sid = [&] {
    std::map<int, json> out;  // sid -> the newest alert
    const auto r = vigil({"alerts", "list", "--json", "--limit", "1000"});
    if (r.exit_code != 0) return out;
    for (const auto& line : test::split_lines(r.out)) {
      const json alert = json::parse(line);
      out.emplace(alert["alert"]["signature_id"].get<int>(), alert);
    }
    return out;
  };

  // Traffic on the wire: one payload for the central's own sensor, one for the remote sensor.
  int n = 0;
  std::map<int, json> alerts;
  const bool both = eventually([&] {
    pair.send_payload("VIGIL-LOCAL " + std::to_string(n));
    pair.send_payload("VIGIL-LINK " + std::to_string(n++));
    alerts = alerts_by_sid();
    return alerts.count(9999961) == 1 && alerts.count(9999951) == 1;
  });
  REQUIRE(both);
  CHECK(alerts[9999961]["sensor"] == "dc-local");
  CHECK(alerts[9999961]["zone"] == "datacenter");
  CHECK(alerts[9999951]["sensor"] == "edge-remote");
  CHECK(alerts[9999951]["zone"] == "wan");
  CHECK(alerts[9999951]["src_ip"] == VethPair::addr_a());

  // Each raised an incident; the table a responder reads names both signatures.
  std::set<std::string> titles;
  REQUIRE(eventually([&] {
    titles.clear();
    const auto r = vigil({"incidents", "list", "--json"});
    for (const auto& line : test::split_lines(r.out)) titles.insert(json::parse(line)["title"].get<std::string>());
    return titles.size() >= 2;
  }));
  const auto has_title = [&](const std::string& signature) {
    return std::any_of(titles.begin(), titles.end(), [&](const std::string& t) { return t.starts_with(signature); });
  };
  CHECK(has_title("vigil local test"));
  CHECK(has_title("vigil link test"));
  const auto table = vigil({"incidents", "list"});
  CHECK(table.exit_code == 0);
  CHECK(table.out.find("vigil local test") != std::string::npos);
  CHECK(table.out.find("vigil link test") != std::string::npos);
  CHECK(pair.sensor().stop() == 0);
  CHECK(pair.central().stop() == 0);
}

}  // namespace
}  // namespace vigil::daemon
