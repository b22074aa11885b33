// The inspection buffers the app-layer parsers fill, one id per Suricata sticky buffer (the
// rules engine keeps one Hyperscan database per id). Names are Suricata's keywords; contents
// follow Suricata's definitions (applayer/README.md lists them). Thread contract: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace vigil::applayer {

enum class BufferId : uint8_t {
  // HTTP request side.
  http_method,        // "GET"
  http_uri,           // normalised: libhtp IDS path decoding, query url-decoded (no + to space)
  http_uri_raw,       // the request URI as sent
  http_request_line,  // "GET /a?b HTTP/1.1"
  http_host,          // libhtp's request hostname: lowercase, no port (Host header or absolute URI)
  http_host_raw,      // the Host header value as sent
  http_user_agent,
  http_referer,
  http_accept,
  http_accept_enc,
  http_accept_lang,
  http_request_body,  // dechunked, decompressed, up to the request body limit
  // HTTP response side.
  http_stat_code,     // "200"
  http_stat_msg,      // "OK"
  http_response_line, // "HTTP/1.1 200 OK"
  http_server,
  http_location,
  http_response_body, // dechunked, gzip/deflate decoded, up to the response body limit
  // HTTP, either side: the request's in a to_server transaction, the response's in a to_client one.
  http_protocol,      // "HTTP/1.1"
  http_header,        // "Name: value\r\n" per header, Cookie / Set-Cookie left out
  http_header_raw,    // the header block as sent, its final empty line included
  http_header_names,  // "\r\nHost\r\nUser-Agent\r\n\r\n"
  http_start,         // request/response line + "\r\n" + raw header block
  http_cookie,        // Cookie (request) / Set-Cookie (response) value
  http_content_type,
  http_content_len,
  http_connection,
  file_data,          // the side's body: http.response_body to the client, http.request_body to the server
  // DNS (request only, as Suricata 7): one entry per question.
  dns_query,          // "www.example.com": labels joined by '.', bytes as sent
  // TLS.
  tls_sni,
  tls_cert_subject,   // "C=US, O=Example, CN=www.example.com"
  tls_cert_issuer,
  tls_cert_serial,    // "00:AB:..": the DER integer's bytes, upper-case hex
  tls_cert_fingerprint,  // SHA-1 of the DER certificate, lower-case hex with ':'
  tls_certs,          // each DER certificate of the chain, one entry each
  ja3_hash,
  ja3_string,
  ja3s_hash,
  ja3s_string,
  // SSH: the side's banner "SSH-2.0-OpenSSH_8.9p1 Ubuntu" -> "2.0", "OpenSSH_8.9p1".
  ssh_proto,
  ssh_software,
};
inline constexpr size_t kBufferIdCount = static_cast<size_t>(BufferId::ssh_software) + 1;

// The Suricata keyword: "http.uri", "file.data", ...
std::string_view buffer_name(BufferId id);
// Sticky-buffer keywords and their legacy aliases ("http_uri", "http.uri.raw", "http_raw_uri",
// "http_client_body", "http_server_body", "tls_sni", "dns_query", "ja3_hash", "file_data", ...).
std::optional<BufferId> buffer_by_name(std::string_view keyword);

}  // namespace vigil::applayer
