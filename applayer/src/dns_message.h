// A DNS message (RFC 1035) decoded for inspection: header, questions, answer records with their
// data as Suricata prints it. Compressed names are followed only backwards and at most a bounded
// number of times, so a pointer loop ends. Thread contract: pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::applayer {

struct DnsQuestion {
  std::string name;  // labels joined by '.', bytes as sent
  uint16_t type = 0;
  uint16_t klass = 0;
};

struct DnsRecord {
  std::string name;
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::string data;  // A/AAAA as text, names dotted, TXT as is; empty for other types
};

struct DnsMessage {
  uint16_t id = 0;
  uint16_t flags = 0;
  bool response = false;
  uint8_t opcode = 0;
  uint8_t rcode = 0;
  std::vector<DnsQuestion> questions;
  std::vector<DnsRecord> answers;
  bool truncated = false;  // records past the end of the message were not decoded
};

// nullopt when the header or a question does not fit: malformed.
std::optional<DnsMessage> parse_dns_message(std::string_view message);

std::string dns_type_name(uint16_t type);   // "A", "AAAA", ..., else the number
std::string dns_rcode_name(uint8_t rcode);  // "NOERROR", "NXDOMAIN", ...

}  // namespace vigil::applayer
