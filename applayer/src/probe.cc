#include "probe.h"

#include <algorithm>
#include <cctype>

#include "protocol_parser.h"

namespace vigil::applayer {
namespace {

using Verdict = ProbeResult::Verdict;

// Suricata's HTTP request patterns: a method followed by a space, case as sent.
constexpr std::string_view kHttpMethods[] = {
    "GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "CONNECT ", "TRACE ", "PATCH ", "PROPFIND ",
    "PROPPATCH ", "MKCOL ", "COPY ", "MOVE ", "LOCK ", "UNLOCK ", "SEARCH ", "CHECKOUT ", "CHECKIN ",
    "REPORT ", "MERGE ", "LABEL ", "UPDATE ", "VERSION-CONTROL ", "BASELINE-CONTROL ", "MKWORKSPACE ",
    "MKACTIVITY ", "ORDERPATCH ", "ACL ", "POLL ", "SUBSCRIBE ", "UNSUBSCRIBE ", "NOTIFY ", "BMOVE ",
    "BCOPY ", "BDELETE ", "BPROPFIND ", "BPROPPATCH ", "INVOKE ", "MKCALENDAR "};

// yes when `bytes` starts with `pattern`, need_more when it is a proper prefix of it.
Verdict prefix(std::string_view bytes, std::string_view pattern, bool nocase = false) {
  const size_t n = std::min(bytes.size(), pattern.size());
  for (size_t i = 0; i < n; ++i) {
    const char a = nocase ? static_cast<char>(std::toupper(static_cast<unsigned char>(bytes[i]))) : bytes[i];
    if (a != pattern[i]) return Verdict::no;
  }
  return bytes.size() >= pattern.size() ? Verdict::yes : Verdict::need_more;
}

// The best of several verdicts: yes beats need_more beats no.
struct Best {
  ProbeResult result;
  void take(Verdict verdict, AppProto proto) {
    if (verdict == Verdict::yes && result.verdict != Verdict::yes) result = {Verdict::yes, proto};
    if (verdict == Verdict::need_more && result.verdict == Verdict::no) result = {Verdict::need_more, proto};
  }
};

Verdict http(std::string_view bytes, Direction direction) {
  if (direction == Direction::to_client) return prefix(bytes, "HTTP/1.");
  Verdict best = Verdict::no;
  for (std::string_view method : kHttpMethods) {
    const Verdict v = prefix(bytes, method);
    if (v == Verdict::yes) return v;
    if (v == Verdict::need_more) best = v;
  }
  return best;
}

// A handshake record (22) of SSL 3.0 .. TLS 1.3 carrying a ClientHello (to the server) or a
// ServerHello (to the client), as Suricata's TLS probe.
Verdict tls(std::string_view bytes, Direction direction) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  if (bytes.empty()) return Verdict::need_more;
  if (byte(0) != 0x16) return Verdict::no;
  if (bytes.size() < 2) return Verdict::need_more;
  if (byte(1) != 0x03) return Verdict::no;
  if (bytes.size() < 3) return Verdict::need_more;
  if (byte(2) > 0x04) return Verdict::no;
  if (bytes.size() < 6) return Verdict::need_more;
  const uint8_t hello = direction == Direction::to_server ? 1 : 2;
  return byte(5) == hello ? Verdict::yes : Verdict::no;
}

Verdict ssh(std::string_view bytes) { return prefix(bytes, "SSH-"); }

// The first line of a "220" greeting, when it names the protocol.
AppProto greeting_protocol(std::string_view bytes) {
  const std::string_view line = bytes.substr(0, bytes.find('\n'));
  std::string upper(line.substr(0, 256));
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper.find("SMTP") != std::string::npos) return AppProto::smtp;
  if (upper.find("FTP") != std::string::npos) return AppProto::ftp;
  return AppProto::unknown;
}

// FTP and SMTP servers both greet with "220"; the greeting text or the client's first command
// tells them apart (Suricata: FTP's USER/PASS/PORT/AUTH, SMTP's EHLO/HELO).
void ftp_smtp(std::string_view bytes, Direction direction, Best& best) {
  if (direction == Direction::to_server) {
    for (std::string_view command : {"USER ", "PASS ", "PORT ", "AUTH TLS", "AUTH SSL", "FEAT", "SYST"}) {
      best.take(prefix(bytes, command, true), AppProto::ftp);
    }
    for (std::string_view command : {"EHLO ", "HELO "}) best.take(prefix(bytes, command, true), AppProto::smtp);
    return;
  }
  if (prefix(bytes, "220") == Verdict::no) return;
  if (bytes.find('\n') == std::string_view::npos) {
    best.take(Verdict::need_more, AppProto::ftp);
    return;
  }
  const AppProto named = greeting_protocol(bytes);
  if (named != AppProto::unknown) best.take(Verdict::yes, named);
}

}  // namespace

bool plausible_dns_message(std::string_view message) {
  if (message.size() < 12) return false;
  const uint16_t flags = read_u16(message, 2);
  const uint8_t opcode = (flags >> 11) & 0x0f;
  const uint16_t questions = read_u16(message, 4);
  if (opcode > 6 || opcode == 3) return false;
  if (questions == 0 || questions > 32) return false;
  // The first question's name must end inside the message.
  size_t at = 12;
  for (int labels = 0; labels < 128; ++labels) {
    if (at >= message.size()) return false;
    const uint8_t length = static_cast<uint8_t>(message[at]);
    if (length == 0) return at + 5 <= message.size();
    if ((length & 0xc0) == 0xc0) return at + 6 <= message.size();
    if ((length & 0xc0) != 0) return false;
    at += 1 + length;
  }
  return false;
}

ProbeResult probe_protocol(const ProbeInput& in) {
  const bool dns_port = in.server_port == in.dns_port || in.client_port == in.dns_port;
  if (dns_port) {
    if (in.transport == Transport::udp) {
      return plausible_dns_message(in.bytes) ? ProbeResult{Verdict::yes, AppProto::dns} : ProbeResult{};
    }
    if (in.bytes.size() < 14) return {Verdict::need_more, AppProto::dns};
    const size_t length = read_u16(in.bytes, 0);
    const std::string_view message = in.bytes.substr(2, length);
    if (length >= 12 && plausible_dns_message(message)) return {Verdict::yes, AppProto::dns};
    if (length >= 12 && message.size() < length && in.bytes.size() < 512) return {Verdict::need_more, AppProto::dns};
  }
  if (in.transport == Transport::udp) return {};
  Best best;
  best.take(http(in.bytes, in.direction), AppProto::http);
  best.take(tls(in.bytes, in.direction), AppProto::tls);
  best.take(ssh(in.bytes), AppProto::ssh);
  ftp_smtp(in.bytes, in.direction, best);
  return best.result;
}

}  // namespace vigil::applayer
