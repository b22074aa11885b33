// What the clear part of a TLS handshake says, decoded from its messages: the hello fields,
// JA3/JA3S (GREASE values left out, as the ja3 tools do), the leaf certificate's names, serial
// and fingerprint (OpenSSL d2i_X509) and the DER chain. Thread contract: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace vigil::applayer {

struct TlsFields {
  bool client_hello_seen = false;
  bool server_hello_seen = false;
  uint16_t client_version = 0;  // the ClientHello's legacy_version
  uint16_t server_version = 0;  // supported_versions' choice when present, else legacy_version
  std::string sni;
  std::string ja3_string, ja3_hash;
  std::string ja3s_string, ja3s_hash;
  std::string subject, issuer, serial, fingerprint, not_before, not_after;
  std::vector<std::string> certificates;  // DER, leaf first

  uint16_t version() const { return server_hello_seen ? server_version : client_version; }
  size_t memory() const;
};

bool parse_client_hello(std::string_view body, TlsFields& fields);
bool parse_server_hello(std::string_view body, TlsFields& fields);
bool parse_certificates(std::string_view body, TlsFields& fields);

std::string tls_version_name(uint16_t version);  // "TLS 1.2", "SSLv3", ..., "UNDETERMINED"
nlohmann::json tls_eve(const TlsFields& fields);
std::string md5_hex(std::string_view data);

}  // namespace vigil::applayer
