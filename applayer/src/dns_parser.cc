// DNS over UDP (one message per datagram) and TCP (2-byte length prefix, RFC 1035 4.2.2). As in
// Suricata 7, every message is its own transaction: a query to the server, an answer to the
// client; dns.query is a request buffer.
#include <cstdio>

#include "dns_message.h"
#include "protocol_parser.h"

namespace vigil::applayer {
namespace {

class DnsEve final : public TxEveSource {
 public:
  const DnsMessage* message = nullptr;
  uint64_t tx_id = 0;

  nlohmann::json eve() const override {
    const DnsMessage& m = *message;
    nlohmann::json dns = nlohmann::json::object();
    if (!m.response) {
      dns["type"] = "query";
      dns["id"] = m.id;
      if (!m.questions.empty()) {
        dns["rrname"] = eve_text(m.questions.front().name);
        dns["rrtype"] = dns_type_name(m.questions.front().type);
      }
      dns["tx_id"] = tx_id;
      dns["opcode"] = m.opcode;
      return {{"dns", std::move(dns)}};
    }
    char flags[8];
    std::snprintf(flags, sizeof flags, "%04x", m.flags);
    dns["version"] = 2;
    dns["type"] = "answer";
    dns["id"] = m.id;
    dns["flags"] = flags;
    dns["qr"] = true;
    if (m.flags & 0x0400) dns["aa"] = true;
    if (m.flags & 0x0200) dns["tc"] = true;
    if (m.flags & 0x0100) dns["rd"] = true;
    if (m.flags & 0x0080) dns["ra"] = true;
    dns["opcode"] = m.opcode;
    if (!m.questions.empty()) {
      dns["rrname"] = eve_text(m.questions.front().name);
      dns["rrtype"] = dns_type_name(m.questions.front().type);
    }
    dns["rcode"] = dns_rcode_name(m.rcode);
    if (!m.answers.empty()) {
      nlohmann::json answers = nlohmann::json::array();
      nlohmann::json grouped = nlohmann::json::object();
      for (const DnsRecord& r : m.answers) {
        nlohmann::json a = {{"rrname", eve_text(r.name)}, {"rrtype", dns_type_name(r.type)}, {"ttl", r.ttl}};
        if (!r.data.empty()) {
          a["rdata"] = eve_text(r.data);
          grouped[dns_type_name(r.type)].push_back(eve_text(r.data));
        }
        answers.push_back(std::move(a));
      }
      dns["answers"] = std::move(answers);
      if (!grouped.empty()) dns["grouped"] = std::move(grouped);
    }
    return {{"dns", std::move(dns)}};
  }
};

class DnsParser final : public ProtocolParser {
 public:
  explicit DnsParser(Transport transport) : transport_(transport) {}

  void on_data(Direction direction, std::string_view bytes, Emitter& out) override {
    if (transport_ == Transport::udp) {
      message(direction, bytes, out);
      return;
    }
    Side& side = sides_[static_cast<size_t>(direction)];
    if (side.stopped) return;
    // Length-prefixed messages, split or joined anyhow by TCP. At most one message (64 KiB) is held.
    std::string_view input = bytes;
    if (!side.held.empty()) {
      side.held.append(bytes);
      input = side.held;
    }
    size_t at = 0;
    while (input.size() - at >= 2) {
      const size_t length = read_u16(input, at);
      if (input.size() - at - 2 < length) break;
      message(direction, input.substr(at + 2, length), out);
      at += 2 + length;
    }
    std::string rest(input.substr(at));
    side.held = std::move(rest);
  }

  void on_gap(Direction direction, Emitter&) override {
    // A length prefix lost in the gap cannot be found again.
    Side& side = sides_[static_cast<size_t>(direction)];
    side.stopped = true;
    std::string().swap(side.held);
  }

  void on_close(Emitter&) override {}

  size_t memory() const override {
    return sizeof(*this) + sides_[0].held.capacity() + sides_[1].held.capacity();
  }

 private:
  struct Side {
    std::string held;
    bool stopped = false;
  };

  void message(Direction direction, std::string_view bytes, Emitter& out) {
    auto parsed = parse_dns_message(bytes);
    if (!parsed) {
      out.anomaly("dns.malformed_data");
      return;
    }
    if (parsed->truncated) out.anomaly("dns.truncated");
    message_ = std::move(*parsed);
    list_.clear();
    if (!message_.response) {
      for (const DnsQuestion& q : message_.questions) list_.add(BufferId::dns_query, q.name);
    }
    eve_.message = &message_;
    eve_.tx_id = next_id_;
    Transaction tx;
    tx.proto = AppProto::dns;
    tx.direction = message_.response ? Direction::to_client : Direction::to_server;
    (void)direction;
    tx.id = next_id_++;
    tx.buffers = list_.sorted();
    tx.values.dns_id = message_.id;
    tx.values.dns_opcode = message_.opcode;
    tx.values.dns_rcode = message_.rcode;
    tx.values.dns_qtype = message_.questions.empty() ? 0 : message_.questions.front().type;
    tx.eve_source = &eve_;
    out.transaction(tx);
    message_ = {};  // keep nothing of it between messages
  }

  Transport transport_;
  Side sides_[2];
  uint64_t next_id_ = 0;
  DnsMessage message_;
  BufferList list_;
  DnsEve eve_;
};

}  // namespace

std::unique_ptr<ProtocolParser> make_dns_parser(Transport transport) {
  return std::make_unique<DnsParser>(transport);
}

}  // namespace vigil::applayer
