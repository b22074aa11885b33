#include "vigil/applayer/app_layer_flow.h"

#include "http_config.h"
#include "probe.h"
#include "protocol_parser.h"

namespace vigil::applayer {

AppLayerContext::AppLayerContext(AppLayerOptions options)
    : options_(options), impl_(std::make_unique<Impl>(options_)) {}

AppLayerContext::~AppLayerContext() = default;

AppLayerFlow::AppLayerFlow(AppLayerContext& context, Transport transport, uint16_t client_port,
                           uint16_t server_port)
    : context_(&context), transport_(transport), client_port_(client_port), server_port_(server_port) {
  ++context.stats().flows;
}

AppLayerFlow::~AppLayerFlow() = default;

bool AppLayerFlow::wants_data() const {
  if (closed_) return false;
  if (parser_ != nullptr) return !parser_->done();
  return !(probe_failed_[0] && probe_failed_[1]);
}

size_t AppLayerFlow::memory() const {
  size_t bytes = sizeof(*this) + probe_buffer_[0].capacity() + probe_buffer_[1].capacity();
  if (parser_ != nullptr) bytes += parser_->memory();
  return bytes;
}

void AppLayerFlow::on_stream_data(Direction direction, std::string_view bytes, TransactionHandler& handler) {
  if (bytes.empty() || !wants_data()) return;
  if (parser_ != nullptr) {
    feed(direction, bytes, handler);
    return;
  }
  probe(direction, bytes, handler);
}

void AppLayerFlow::on_datagram(Direction direction, std::string_view payload, TransactionHandler& handler) {
  if (payload.empty() || !wants_data()) return;
  if (parser_ == nullptr) {
    // A datagram is recognised on its own: nothing is held between datagrams.
    const auto result = probe_protocol({payload, direction, transport_, client_port_, server_port_, context_->options().dns_port});
    if (result.verdict != ProbeResult::Verdict::yes) {
      // Nothing in this flow's datagrams will be recognised later: DNS would have been now.
      if (client_port_ != context_->options().dns_port && server_port_ != context_->options().dns_port) {
        probe_failed_ = {true, true};
      }
      return;
    }
    start_parser(result.proto);
    if (parser_ == nullptr) return;
  }
  feed(direction, payload, handler);
}

void AppLayerFlow::on_gap(Direction direction, TransactionHandler& handler) {
  ++context_->stats().gaps;
  if (closed_) return;
  if (parser_ != nullptr) {
    Emitter out{handler, context_->stats(), proto_};
    parser_->on_gap(direction, out);
    return;
  }
  // Recognition needs a direction's first bytes; after a gap they are gone.
  auto& failed = probe_failed_[static_cast<size_t>(direction)];
  if (!failed) {
    failed = true;
    std::string().swap(probe_buffer_[static_cast<size_t>(direction)]);
    if (probe_failed_[0] && probe_failed_[1]) ++context_->stats().unrecognised;
  }
}

void AppLayerFlow::on_close(TransactionHandler& handler) {
  if (closed_) return;
  closed_ = true;
  if (parser_ != nullptr) {
    Emitter out{handler, context_->stats(), proto_};
    parser_->on_close(out);
  }
}

void AppLayerFlow::probe(Direction direction, std::string_view bytes, TransactionHandler& handler) {
  const size_t side = static_cast<size_t>(direction);
  if (probe_failed_[side]) return;
  std::string& held = probe_buffer_[side];
  // Only the start of a direction is looked at; what is held between calls stays under
  // probe_limit (a verdict of need_more past it is a failure).
  std::string_view start = bytes;
  if (!held.empty()) {
    held.append(bytes);
    start = held;
  }
  const auto result = probe_protocol({start, direction, transport_, client_port_, server_port_, context_->options().dns_port});
  if (result.verdict == ProbeResult::Verdict::yes) {
    start_parser(result.proto);
    if (parser_ == nullptr) return;
    // The bytes held for the other direction came first on the wire only if that direction
    // started earlier; both started before this verdict, so the other side's go first when it
    // is the server's greeting (FTP/SMTP/SSH) and after otherwise.
    // Nothing held: this segment is the whole start, fed as it is (no copy).
    const std::string owned = std::move(held);
    const std::string_view mine = owned.empty() ? bytes : std::string_view(owned);
    std::string other = std::move(probe_buffer_[1 - side]);
    std::string().swap(probe_buffer_[0]);
    std::string().swap(probe_buffer_[1]);
    const Direction other_direction = opposite(direction);
    if (!other.empty() && other_direction == Direction::to_client && proto_ != AppProto::http) {
      feed(other_direction, other, handler);
      other.clear();
    }
    feed(direction, mine, handler);
    if (!other.empty()) feed(other_direction, other, handler);
    return;
  }
  if (result.verdict == ProbeResult::Verdict::need_more && start.size() < context_->options().probe_limit) {
    if (held.empty()) held.assign(bytes);
    return;
  }
  probe_failed_[side] = true;
  std::string().swap(held);
  if (probe_failed_[0] && probe_failed_[1]) ++context_->stats().unrecognised;
}

void AppLayerFlow::start_parser(AppProto proto) {
  switch (proto) {
    case AppProto::http: parser_ = make_http_parser(*context_); break;
    case AppProto::dns: parser_ = make_dns_parser(transport_); break;
    case AppProto::tls: parser_ = make_tls_parser(context_->options()); break;
    case AppProto::ssh: parser_ = make_ssh_parser(); break;
    default: break;  // recognised only (ftp, smtp): no buffers yet
  }
  proto_ = proto;
  ++context_->stats().recognised[static_cast<size_t>(proto)];
  if (parser_ == nullptr) probe_failed_ = {true, true};  // nothing more to do with the bytes
}

void AppLayerFlow::feed(Direction direction, std::string_view bytes, TransactionHandler& handler) {
  if (parser_ == nullptr || parser_->done()) return;
  Emitter out{handler, context_->stats(), proto_};
  parser_->on_data(direction, bytes, out);
}

}  // namespace vigil::applayer
