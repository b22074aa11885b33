// SSH identification strings (RFC 4253 4.2): "SSH-protoversion-softwareversion SP comments CR LF",
// one per side; Suricata's ssh.proto is protoversion, ssh.software the software version up to the
// first space. Lines before the banner (allowed from the server) are skipped. Each side holds at
// most one line of 255 bytes, then it is done.
#include <string>

#include "protocol_parser.h"

namespace vigil::applayer {
namespace {

constexpr size_t kMaxLine = 255;
constexpr int kMaxLines = 16;  // lines a server may send before its banner, here

struct Banner {
  std::string proto, software, line;
};

class SshEve final : public TxEveSource {
 public:
  const Banner* client = nullptr;
  const Banner* server = nullptr;
  nlohmann::json eve() const override {
    nlohmann::json ssh = nlohmann::json::object();
    const auto side = [](const Banner& b) {
      return nlohmann::json{{"proto_version", eve_text(b.proto)}, {"software_version", eve_text(b.software)}};
    };
    if (!client->proto.empty()) ssh["client"] = side(*client);
    if (!server->proto.empty()) ssh["server"] = side(*server);
    return {{"ssh", std::move(ssh)}};
  }
};

class SshParser final : public ProtocolParser {
 public:
  void on_data(Direction direction, std::string_view bytes, Emitter& out) override {
    Side& side = sides_[static_cast<size_t>(direction)];
    while (!side.done && !bytes.empty()) {
      const size_t end = bytes.find('\n');
      side.held.append(bytes.substr(0, std::min(end, kMaxLine + 1)));
      if (side.held.size() > kMaxLine) {
        out.anomaly("ssh.invalid_banner");
        finish(side);
        return;
      }
      if (end == std::string_view::npos) return;
      bytes.remove_prefix(end + 1);
      std::string line = std::move(side.held);
      side.held.clear();
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.rfind("SSH-", 0) == 0) {
        banner(direction, line, out);
        finish(side);
      } else if (++side.lines > kMaxLines) {
        out.anomaly("ssh.invalid_banner");
        finish(side);
      }
    }
  }

  void on_gap(Direction direction, Emitter&) override { finish(sides_[static_cast<size_t>(direction)]); }
  void on_close(Emitter&) override {}
  bool done() const override { return sides_[0].done && sides_[1].done; }
  size_t memory() const override { return sizeof(*this) + sides_[0].held.capacity() + sides_[1].held.capacity(); }

 private:
  struct Side {
    std::string held;
    Banner banner;
    int lines = 0;
    bool done = false;
  };

  static void finish(Side& side) {
    side.done = true;
    std::string().swap(side.held);
  }

  void banner(Direction direction, const std::string& line, Emitter& out) {
    Banner& b = sides_[static_cast<size_t>(direction)].banner;
    b.line = line;
    const std::string_view rest = std::string_view(b.line).substr(4);
    const size_t dash = rest.find('-');
    if (dash == std::string_view::npos) {
      out.anomaly("ssh.invalid_banner");
      return;
    }
    b.proto.assign(rest.substr(0, dash));
    const std::string_view software = rest.substr(dash + 1);
    b.software.assign(software.substr(0, software.find(' ')));
    list_.clear();
    list_.add(BufferId::ssh_proto, b.proto);
    list_.add(BufferId::ssh_software, b.software);
    eve_.client = &sides_[0].banner;
    eve_.server = &sides_[1].banner;
    Transaction tx;
    tx.proto = AppProto::ssh;
    tx.direction = direction;
    tx.buffers = list_.sorted();
    tx.eve_source = &eve_;
    out.transaction(tx);
  }

  Side sides_[2];
  BufferList list_;
  SshEve eve_;
};

}  // namespace

std::unique_ptr<ProtocolParser> make_ssh_parser() { return std::make_unique<SshParser>(); }

}  // namespace vigil::applayer
