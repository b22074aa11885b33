#include "dns_message.h"

#include <arpa/inet.h>

#include <cstdio>

#include "protocol_parser.h"

namespace vigil::applayer {
namespace {

constexpr size_t kMaxName = 1025;     // Suricata's limit on a printed name
constexpr int kMaxPointerJumps = 64;  // compression pointers followed per name
constexpr size_t kMaxQuestions = 64;
constexpr size_t kMaxAnswers = 256;

// Reads the name at `at`; `next` is where the record continues after it.
bool read_name(std::string_view msg, size_t at, std::string& name, size_t& next) {
  name.clear();
  bool jumped = false;
  int jumps = 0;
  size_t label_floor = at;  // a pointer must point before where the current run of labels began
  while (true) {
    if (at >= msg.size()) return false;
    const uint8_t length = static_cast<uint8_t>(msg[at]);
    if (length == 0) {
      if (!jumped) next = at + 1;
      return true;
    }
    if ((length & 0xc0) == 0xc0) {
      if (at + 1 >= msg.size()) return false;
      const size_t target = ((length & 0x3f) << 8) | static_cast<uint8_t>(msg[at + 1]);
      if (target >= label_floor || ++jumps > kMaxPointerJumps) return false;  // loop or forward
      if (!jumped) next = at + 2;
      jumped = true;
      at = target;
      label_floor = target;
      continue;
    }
    if ((length & 0xc0) != 0) return false;  // 0x40/0x80: reserved label types
    if (at + 1 + length > msg.size()) return false;
    if (!name.empty()) name.push_back('.');
    if (name.size() + length > kMaxName) return false;
    name.append(msg.substr(at + 1, length));
    at += 1 + length;
  }
}

std::string record_data(std::string_view msg, size_t at, uint16_t type, uint16_t length) {
  const std::string_view data = msg.substr(at, length);
  char text[INET6_ADDRSTRLEN] = {};
  switch (type) {
    case 1:  // A
      if (length == 4 && inet_ntop(AF_INET, data.data(), text, sizeof text) != nullptr) return text;
      return {};
    case 28:  // AAAA
      if (length == 16 && inet_ntop(AF_INET6, data.data(), text, sizeof text) != nullptr) return text;
      return {};
    case 2: case 5: case 12: {  // NS, CNAME, PTR
      std::string name;
      size_t next = 0;
      return read_name(msg, at, name, next) ? name : std::string();
    }
    case 15: {  // MX: preference, exchange
      std::string name;
      size_t next = 0;
      return length > 2 && read_name(msg, at + 2, name, next) ? name : std::string();
    }
    case 16: {  // TXT: length-prefixed strings
      std::string txt;
      size_t i = 0;
      while (i < data.size()) {
        const size_t n = static_cast<uint8_t>(data[i]);
        txt.append(data.substr(i + 1, n));
        i += 1 + n;
      }
      return txt;
    }
    default:
      return {};
  }
}

}  // namespace

std::optional<DnsMessage> parse_dns_message(std::string_view msg) {
  if (msg.size() < 12) return std::nullopt;
  DnsMessage m;
  m.id = read_u16(msg, 0);
  m.flags = read_u16(msg, 2);
  m.response = (m.flags & 0x8000) != 0;
  m.opcode = (m.flags >> 11) & 0x0f;
  m.rcode = m.flags & 0x0f;
  const size_t questions = read_u16(msg, 4);
  const size_t answers = read_u16(msg, 6);
  size_t at = 12;
  for (size_t i = 0; i < questions; ++i) {
    if (i == kMaxQuestions) {
      m.truncated = true;
      return m;
    }
    DnsQuestion q;
    size_t next = 0;
    if (!read_name(msg, at, q.name, next) || next + 4 > msg.size()) return std::nullopt;
    q.type = read_u16(msg, next);
    q.klass = read_u16(msg, next + 2);
    at = next + 4;
    m.questions.push_back(std::move(q));
  }
  for (size_t i = 0; i < answers && i < kMaxAnswers; ++i) {
    DnsRecord r;
    size_t next = 0;
    if (!read_name(msg, at, r.name, next) || next + 10 > msg.size()) {
      m.truncated = true;
      return m;
    }
    r.type = read_u16(msg, next);
    r.ttl = (uint32_t{read_u16(msg, next + 4)} << 16) | read_u16(msg, next + 6);
    const uint16_t length = read_u16(msg, next + 8);
    if (next + 10 + length > msg.size()) {
      m.truncated = true;
      return m;
    }
    r.data = record_data(msg, next + 10, r.type, length);
    at = next + 10 + length;
    m.answers.push_back(std::move(r));
  }
  return m;
}

std::string dns_type_name(uint16_t type) {
  switch (type) {
    case 1: return "A";
    case 2: return "NS";
    case 5: return "CNAME";
    case 6: return "SOA";
    case 10: return "NULL";
    case 12: return "PTR";
    case 15: return "MX";
    case 16: return "TXT";
    case 28: return "AAAA";
    case 33: return "SRV";
    case 35: return "NAPTR";
    case 41: return "OPT";
    case 43: return "DS";
    case 46: return "RRSIG";
    case 47: return "NSEC";
    case 48: return "DNSKEY";
    case 64: return "SVCB";
    case 65: return "HTTPS";
    case 252: return "AXFR";
    case 255: return "ANY";
    default: return std::to_string(type);
  }
}

std::string dns_rcode_name(uint8_t rcode) {
  static constexpr const char* kNames[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
                                           "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"};
  return rcode < std::size(kNames) ? kNames[rcode] : std::to_string(rcode);
}

}  // namespace vigil::applayer
