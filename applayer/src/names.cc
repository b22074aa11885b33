#include <array>
#include <string>
#include <utility>

#include "vigil/applayer/app_proto.h"
#include "vigil/applayer/buffer_id.h"
#include "protocol_parser.h"

namespace vigil::applayer {
namespace {

constexpr std::array<std::string_view, kAppProtoCount> kProtoNames = {"unknown", "http", "tls", "dns",
                                                                       "ssh",     "ftp",  "smtp"};

constexpr std::array<std::string_view, kBufferIdCount> kBufferNames = {
    "http.method",       "http.uri",          "http.uri.raw",       "http.request_line",
    "http.host",         "http.host.raw",     "http.user_agent",    "http.referer",
    "http.accept",       "http.accept_enc",   "http.accept_lang",   "http.request_body",
    "http.stat_code",    "http.stat_msg",     "http.response_line", "http.server",
    "http.location",     "http.response_body", "http.protocol",     "http.header",
    "http.header.raw",   "http.header_names", "http.start",         "http.cookie",
    "http.content_type", "http.content_len",  "http.connection",    "file.data",
    "dns.query",         "tls.sni",           "tls.cert_subject",   "tls.cert_issuer",
    "tls.cert_serial",   "tls.cert_fingerprint", "tls.certs",       "ja3.hash",
    "ja3.string",        "ja3s.hash",         "ja3s.string",        "ssh.proto",
    "ssh.software"};

// Legacy content modifiers and older sticky-buffer spellings that name the same buffer.
constexpr std::pair<std::string_view, BufferId> kAliases[] = {
    {"http_method", BufferId::http_method},
    {"http_uri", BufferId::http_uri},
    {"uricontent", BufferId::http_uri},
    {"http_raw_uri", BufferId::http_uri_raw},
    {"http_request_line", BufferId::http_request_line},
    {"http_host", BufferId::http_host},
    {"http_raw_host", BufferId::http_host_raw},
    {"http_user_agent", BufferId::http_user_agent},
    {"http_referer", BufferId::http_referer},
    {"http_accept", BufferId::http_accept},
    {"http_accept_enc", BufferId::http_accept_enc},
    {"http_accept_lang", BufferId::http_accept_lang},
    {"http_client_body", BufferId::http_request_body},
    {"http_stat_code", BufferId::http_stat_code},
    {"http_stat_msg", BufferId::http_stat_msg},
    {"http_response_line", BufferId::http_response_line},
    {"http_server", BufferId::http_server},
    {"http_location", BufferId::http_location},
    {"http_server_body", BufferId::http_response_body},
    {"http_protocol", BufferId::http_protocol},
    {"http_header", BufferId::http_header},
    {"http_raw_header", BufferId::http_header_raw},
    {"http_header_names", BufferId::http_header_names},
    {"http_start", BufferId::http_start},
    {"http_cookie", BufferId::http_cookie},
    {"http_content_type", BufferId::http_content_type},
    {"http_content_len", BufferId::http_content_len},
    {"http_connection", BufferId::http_connection},
    {"file_data", BufferId::file_data},
    {"dns_query", BufferId::dns_query},
    {"tls_sni", BufferId::tls_sni},
    {"tls_cert_subject", BufferId::tls_cert_subject},
    {"tls_cert_issuer", BufferId::tls_cert_issuer},
    {"tls_cert_serial", BufferId::tls_cert_serial},
    {"tls_cert_fingerprint", BufferId::tls_cert_fingerprint},
    {"ja3_hash", BufferId::ja3_hash},
    {"ja3_string", BufferId::ja3_string},
    {"ja3s_hash", BufferId::ja3s_hash},
    {"ja3s_string", BufferId::ja3s_string},
    {"ssh_proto", BufferId::ssh_proto},
    {"ssh_software", BufferId::ssh_software},
    {"ssh.protoversion", BufferId::ssh_proto},
    {"ssh.softwareversion", BufferId::ssh_software},
};

}  // namespace

std::string eve_text(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t i = 0;
  while (i < bytes.size()) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    size_t length = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xe ? 3 : (b >> 3) == 0x1e ? 4 : 0;
    bool valid = length > 0 && i + length <= bytes.size();
    for (size_t k = 1; valid && k < length; ++k) valid = (static_cast<unsigned char>(bytes[i + k]) & 0xc0) == 0x80;
    // Overlong two-byte forms and surrogates are not UTF-8 either.
    if (valid && length == 2 && b < 0xc2) valid = false;
    if (valid && length == 3 && b == 0xed && static_cast<unsigned char>(bytes[i + 1]) >= 0xa0) valid = false;
    if (valid && length == 3 && b == 0xe0 && static_cast<unsigned char>(bytes[i + 1]) < 0xa0) valid = false;
    if (valid && length == 4 && (b > 0xf4 || (b == 0xf0 && static_cast<unsigned char>(bytes[i + 1]) < 0x90) ||
                                 (b == 0xf4 && static_cast<unsigned char>(bytes[i + 1]) >= 0x90))) {
      valid = false;
    }
    if (valid) {
      out.append(bytes.substr(i, length));
      i += length;
    } else {
      out.push_back(static_cast<char>(0xc0 | (b >> 6)));
      out.push_back(static_cast<char>(0x80 | (b & 0x3f)));
      ++i;
    }
  }
  return out;
}

std::string_view app_proto_name(AppProto proto) { return kProtoNames[static_cast<size_t>(proto)]; }

AppProto app_proto_by_name(std::string_view name) {
  if (name == "http1" ) return AppProto::http;
  if (name == "ssl") return AppProto::tls;
  for (size_t i = 1; i < kProtoNames.size(); ++i) {
    if (kProtoNames[i] == name) return static_cast<AppProto>(i);
  }
  return AppProto::unknown;
}

std::string_view buffer_name(BufferId id) { return kBufferNames[static_cast<size_t>(id)]; }

std::optional<BufferId> buffer_by_name(std::string_view keyword) {
  for (size_t i = 0; i < kBufferNames.size(); ++i) {
    if (kBufferNames[i] == keyword) return static_cast<BufferId>(i);
  }
  for (const auto& [alias, id] : kAliases) {
    if (alias == keyword) return id;
  }
  return std::nullopt;
}

}  // namespace vigil::applayer
