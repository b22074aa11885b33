// HTTP/1.x through libhtp 0.5, wired as Suricata's app-layer-htp.c wires it: libhtp parses both
// directions, calls back at each step of a transaction, and this file turns those steps into the
// sticky buffers. Transactions are destroyed once both sides were delivered (Suricata frees them
// after inspection the same way), so a keep-alive connection holds only its open ones.
#include <htp/htp.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>

#include "http_config.h"
#include "protocol_parser.h"

// libhtp's bstr_ptr/bstr_len macros cast the C way.
#pragma GCC diagnostic ignored "-Wold-style-cast"

namespace vigil::applayer {
namespace {

std::string_view view(const bstr* b) {
  if (b == nullptr) return {};
  return {reinterpret_cast<const char*>(bstr_ptr(b)), bstr_len(b)};
}

std::string_view header_value(const htp_table_t* headers, const char* name) {
  if (headers == nullptr) return {};
  const auto* header = static_cast<const htp_header_t*>(htp_table_get_c(headers, name));
  return header == nullptr ? std::string_view{} : view(header->value);
}

void append_limited(std::string& to, const unsigned char* data, size_t len, size_t limit) {
  if (data == nullptr || to.size() >= limit) return;
  to.append(reinterpret_cast<const char*>(data), std::min(len, limit - to.size()));
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Suricata's http.header (Cookie / Set-Cookie left out) and http.header_names of one side.
void build_header_buffers(const htp_table_t* headers, bool request, std::string& header, std::string& names) {
  header.clear();
  names.assign("\r\n");
  const size_t count = headers == nullptr ? 0 : htp_table_size(headers);
  for (size_t i = 0; i < count; ++i) {
    const auto* h = static_cast<const htp_header_t*>(htp_table_get_index(headers, i, nullptr));
    if (h == nullptr) continue;
    const std::string_view name = view(h->name);
    names.append(name).append("\r\n");
    if (iequals(name, request ? "cookie" : "set-cookie")) continue;
    header.append(name).append(": ").append(view(h->value)).append("\r\n");
  }
  names.append("\r\n");
}

// Bytes kept for one side's raw header block: the field limit times a few headers is plenty
// for detection and bounds a flood of header lines.
constexpr size_t kRawHeaderLimit = 64 * 1024;
// libhtp's own allocations, measured with mallinfo2 on 0.5.42: a connection parser 848 bytes, an
// open transaction with three short headers 3088 bytes.
constexpr size_t kConnectionOverhead = 1024;
constexpr size_t kTxOverhead = 3072;

struct HttpTx;

class HttpEve final : public TxEveSource {
 public:
  const htp_tx_t* tx = nullptr;
  bool response = false;
  nlohmann::json eve() const override;
};

struct HttpTx {
  uint64_t id = 0;
  std::string uri_normalized;
  std::string request_header_raw, response_header_raw;
  std::string request_body, response_body;
  uint64_t response_body_seen = 0;
  bool request_delivered = false;
  bool response_delivered = false;

  size_t memory() const {
    return sizeof(*this) + uri_normalized.capacity() + request_header_raw.capacity() +
           response_header_raw.capacity() + request_body.capacity() + response_body.capacity();
  }
};

HttpTx* state_of(const htp_tx_t* tx) { return static_cast<HttpTx*>(htp_tx_get_user_data(tx)); }

nlohmann::json HttpEve::eve() const {
  nlohmann::json http = nlohmann::json::object();
  const auto put = [&](const char* key, std::string_view value) {
    if (!value.empty()) http[key] = eve_text(value);
  };
  put("hostname", view(tx->request_hostname));
  if (tx->request_port_number > 0) http["http_port"] = tx->request_port_number;
  put("url", view(tx->request_uri));
  put("http_user_agent", header_value(tx->request_headers, "user-agent"));
  if (response) {
    std::string_view type = header_value(tx->response_headers, "content-type");
    put("http_content_type", type.substr(0, type.find(';')));
  }
  put("http_refer", header_value(tx->request_headers, "referer"));
  put("http_method", view(tx->request_method));
  put("protocol", view(tx->request_protocol));
  if (response) {
    if (tx->response_status_number > 0) http["status"] = tx->response_status_number;
    put("redirect", header_value(tx->response_headers, "location"));
    http["length"] = tx->response_message_len;
  }
  return {{"http", std::move(http)}};
}

class HttpParser final : public ProtocolParser {
 public:
  explicit HttpParser(AppLayerContext& context) : options_(context.options()) {
    connp_ = htp_connp_create(context.impl().htp);
    if (connp_ == nullptr) {
      done_ = true;
      return;
    }
    htp_connp_set_user_data(connp_, this);
    htp_time_t now{};
    htp_connp_open(connp_, nullptr, 0, nullptr, 0, &now);
  }

  ~HttpParser() override {
    if (connp_ == nullptr) return;
    for_each_tx([](htp_tx_t* tx) {
      delete state_of(tx);
      htp_tx_set_user_data(tx, nullptr);
    });
    htp_connp_destroy_all(connp_);
  }

  HttpParser(const HttpParser&) = delete;
  HttpParser& operator=(const HttpParser&) = delete;

  void on_data(Direction direction, std::string_view bytes, Emitter& out) override {
    if (done_) return;
    out_ = &out;
    std::string& held = pending_[static_cast<size_t>(direction)];
    if (!held.empty()) {
      // This side waits for the other (libhtp's DATA_OTHER): keep order behind what waits.
      if (held.size() + bytes.size() > kPendingLimit) {
        stop(out, "http.pending_overflow");
      } else {
        held.append(bytes);
      }
    } else {
      push(direction, bytes);
    }
    retry_pending();
    sweep();
    out_ = nullptr;
  }

  void on_gap(Direction, Emitter& out) override {
    // libhtp cannot resynchronise inside a message; what was parsed so far is delivered.
    if (done_) return;
    out_ = &out;
    deliver_open(false);
    done_ = true;
    out_ = nullptr;
  }

  void on_close(Emitter& out) override {
    out_ = &out;
    if (!done_ && connp_ != nullptr) {
      htp_time_t now{};
      // Completes a response whose body runs to the end of the connection.
      htp_connp_close(connp_, &now);
    }
    deliver_open(false);
    done_ = true;
    out_ = nullptr;
  }

  bool done() const override { return done_; }

  size_t memory() const override {
    size_t bytes = sizeof(*this) + kConnectionOverhead + pending_[0].capacity() + pending_[1].capacity();
    for_each_tx_const([&](const htp_tx_t* tx) {
      bytes += kTxOverhead;
      // libhtp holds its own parsed copy of the header blocks.
      if (const HttpTx* state = state_of(tx)) {
        bytes += state->memory() + state->request_header_raw.size() + state->response_header_raw.size();
      }
    });
    return bytes;
  }

  // libhtp callbacks (static trampolines below find the parser through the connection).
  int request_start(htp_tx_t* tx) {
    // Limits are checked between slices of input (push): an error returned from here makes
    // libhtp create transactions in a loop.
    ensure_state(tx);
    return HTP_OK;
  }
  int request_line(htp_tx_t* tx) {
    HttpTx* state = ensure_state(tx);
    if (state == nullptr) return HTP_OK;
    normalise_uri(tx, state->uri_normalized);
    return HTP_OK;
  }
  // Raw header blocks are bounded by the flow's memory check between slices (push).
  int request_header_data(htp_tx_data_t* d) {
    if (HttpTx* state = ensure_state(d->tx)) append_limited(state->request_header_raw, d->data, d->len, kRawHeaderLimit);
    return HTP_OK;
  }
  int response_header_data(htp_tx_data_t* d) {
    if (HttpTx* state = ensure_state(d->tx)) append_limited(state->response_header_raw, d->data, d->len, kRawHeaderLimit);
    return HTP_OK;
  }
  int request_body_data(htp_tx_data_t* d) {
    if (HttpTx* state = ensure_state(d->tx)) append_limited(state->request_body, d->data, d->len, options_.request_body_limit);
    return HTP_OK;
  }
  int response_body_data(htp_tx_data_t* d) {
    if (HttpTx* state = ensure_state(d->tx)) {
      state->response_body_seen += d->len;
      append_limited(state->response_body, d->data, d->len, options_.response_body_limit);
    }
    return HTP_OK;
  }
  int request_complete(htp_tx_t* tx) {
    deliver(tx, Direction::to_server, true);
    return HTP_OK;
  }
  int response_complete(htp_tx_t* tx) {
    // A response may complete before its request did (a server answering early): the request
    // side is delivered first, as it stands.
    if (HttpTx* state = ensure_state(tx); state != nullptr && !state->request_delivered) {
      if (tx->request_progress >= HTP_REQUEST_LINE) {
        deliver(tx, Direction::to_server, tx->request_progress == HTP_REQUEST_COMPLETE);
      } else {
        state->request_delivered = true;  // a response without a request (capture began mid-flow)
      }
    }
    deliver(tx, Direction::to_client, true);
    return HTP_OK;
  }

 private:
  static constexpr size_t kPendingLimit = 64 * 1024;
  static constexpr size_t kSlice = 4096;

  template <typename F>
  void for_each_tx(F&& f) {
    htp_conn_t* conn = htp_connp_get_connection(connp_);
    if (conn == nullptr || conn->transactions == nullptr) return;
    const size_t n = htp_list_size(conn->transactions);
    for (size_t i = first_live_; i < n; ++i) {
      if (auto* tx = static_cast<htp_tx_t*>(htp_list_get(conn->transactions, i))) f(tx);
    }
  }
  template <typename F>
  void for_each_tx_const(F&& f) const {
    const htp_conn_t* conn = htp_connp_get_connection(connp_);
    if (conn == nullptr || conn->transactions == nullptr) return;
    const size_t n = htp_list_size(conn->transactions);
    for (size_t i = first_live_; i < n; ++i) {
      if (const auto* tx = static_cast<const htp_tx_t*>(htp_list_get(conn->transactions, i))) f(tx);
    }
  }

  HttpTx* ensure_state(htp_tx_t* tx) {
    if (tx == nullptr) return nullptr;
    HttpTx* state = state_of(tx);
    if (state == nullptr) {
      state = new HttpTx;
      state->id = next_id_++;
      ++live_;
      htp_tx_set_user_data(tx, state);
    }
    return state;
  }

  // Suricata's normalised URI (SCHTPGenerateNormalizedUri without uri-include-all): libhtp's
  // decoded path, then '?' and the query url-decoded, then '#' and the fragment.
  void normalise_uri(htp_tx_t* tx, std::string& uri) {
    uri.clear();
    const htp_uri_t* parsed = tx->parsed_uri;
    if (parsed == nullptr) return;
    uri.append(view(parsed->path));
    if (parsed->query != nullptr) {
      bstr* query = bstr_dup(parsed->query);
      if (query != nullptr) {
        uint64_t flags = 0;
        htp_urldecode_inplace(tx->cfg, HTP_DECODER_URLENCODED, query, &flags);
        uri.append("?").append(view(query));
        bstr_free(query);
      }
    }
    if (parsed->fragment != nullptr) uri.append("#").append(view(parsed->fragment));
  }

  // Requests are fed in slices so that the transaction limits hold within a few hundred even
  // when one segment carries thousands of pipelined requests.
  void push(Direction direction, std::string_view bytes) {
    while (!done_ && !bytes.empty()) {
      sweep();
      if (memory() > options_.http_flow_memory) {
        stop(*out_, "http.memcap");
        return;
      }
      if (live_ >= options_.http_max_pending) {
        stop(*out_, "http.too_many_pending");
        return;
      }
      if (next_id_ >= options_.http_max_transactions) {
        stop(*out_, "http.too_many_transactions");
        return;
      }
      const std::string_view slice = bytes.substr(0, kSlice);
      bytes.remove_prefix(slice.size());
      push_slice(direction, slice, bytes);
    }
  }

  void push_slice(Direction direction, std::string_view bytes, std::string_view& rest_of_input) {
    htp_time_t now{};
    const bool request = direction == Direction::to_server;
    const int status = request ? htp_connp_req_data(connp_, &now, bytes.data(), bytes.size())
                               : htp_connp_res_data(connp_, &now, bytes.data(), bytes.size());
    switch (status) {
      case HTP_STREAM_DATA:
        break;
      case HTP_STREAM_DATA_OTHER: {
        const size_t used = request ? htp_connp_req_data_consumed(connp_) : htp_connp_res_data_consumed(connp_);
        std::string& held = pending_[static_cast<size_t>(direction)];
        held.assign(bytes.substr(std::min(used, bytes.size())));
        held.append(rest_of_input);
        rest_of_input = {};
        if (held.size() > kPendingLimit) stop(*out_, "http.pending_overflow");
        break;
      }
      case HTP_STREAM_TUNNEL:
        // CONNECT succeeded: what follows is another protocol (TLS, mostly), not HTTP.
        deliver_open(false);
        done_ = true;
        break;
      case HTP_STREAM_ERROR:
        stop(*out_, "http.parse_error");
        break;
      default:
        break;
    }
  }

  // Data a side held back because libhtp waited for the other side.
  void retry_pending() {
    for (int round = 0; round < 4 && !done_; ++round) {
      bool moved = false;
      for (size_t side = 0; side < 2; ++side) {
        if (pending_[side].empty()) continue;
        std::string held = std::move(pending_[side]);
        pending_[side].clear();
        push(static_cast<Direction>(side), held);
        moved = moved || pending_[side].size() != held.size();
      }
      if (!moved) break;
    }
  }

  void stop(Emitter& out, std::string_view event) {
    out.anomaly(event);
    deliver_open(false);
    done_ = true;
  }

  void deliver(htp_tx_t* tx, Direction direction, bool complete) {
    HttpTx* state = ensure_state(tx);
    if (state == nullptr || out_ == nullptr) return;
    bool& delivered = direction == Direction::to_server ? state->request_delivered : state->response_delivered;
    if (delivered) return;
    delivered = true;
    const bool response = direction == Direction::to_client;

    list_.clear();
    // Request buffers ride with both sides: a to_client rule may also inspect the request.
    list_.add_if(BufferId::http_method, view(tx->request_method));
    list_.add_if(BufferId::http_uri, state->uri_normalized);
    list_.add_if(BufferId::http_uri_raw, view(tx->request_uri));
    list_.add_if(BufferId::http_request_line, view(tx->request_line));
    // Suricata's http.host is lower case (its rule parser rejects upper-case contents for it);
    // libhtp keeps a Host header's hostname as sent.
    host_.assign(view(tx->request_hostname));
    std::transform(host_.begin(), host_.end(), host_.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    list_.add_if(BufferId::http_host, host_);
    std::string_view host_raw = header_value(tx->request_headers, "host");
    if (host_raw.empty() && tx->parsed_uri_raw != nullptr) host_raw = view(tx->parsed_uri_raw->hostname);
    list_.add_if(BufferId::http_host_raw, host_raw);
    list_.add_if(BufferId::http_user_agent, header_value(tx->request_headers, "user-agent"));
    list_.add_if(BufferId::http_referer, header_value(tx->request_headers, "referer"));
    list_.add_if(BufferId::http_accept, header_value(tx->request_headers, "accept"));
    list_.add_if(BufferId::http_accept_enc, header_value(tx->request_headers, "accept-encoding"));
    list_.add_if(BufferId::http_accept_lang, header_value(tx->request_headers, "accept-language"));
    if (!response) list_.add_if(BufferId::http_request_body, state->request_body);

    const htp_table_t* headers = response ? tx->response_headers : tx->request_headers;
    const std::string& raw = response ? state->response_header_raw : state->request_header_raw;
    build_header_buffers(headers, !response, header_, header_names_);
    start_.assign(view(response ? tx->response_line : tx->request_line));
    if (!start_.empty()) start_.append("\r\n").append(raw);
    list_.add_if(BufferId::http_protocol, view(response ? tx->response_protocol : tx->request_protocol));
    list_.add_if(BufferId::http_header, header_);
    list_.add_if(BufferId::http_header_raw, raw);
    if (header_names_.size() > 4) list_.add(BufferId::http_header_names, header_names_);
    list_.add_if(BufferId::http_start, start_);
    list_.add_if(BufferId::http_cookie, header_value(headers, response ? "set-cookie" : "cookie"));
    list_.add_if(BufferId::http_content_type, header_value(headers, "content-type"));
    list_.add_if(BufferId::http_content_len, header_value(headers, "content-length"));
    list_.add_if(BufferId::http_connection, header_value(headers, "connection"));
    if (response) {
      list_.add_if(BufferId::http_stat_code, view(tx->response_status));
      list_.add_if(BufferId::http_stat_msg, view(tx->response_message));
      list_.add_if(BufferId::http_response_line, view(tx->response_line));
      list_.add_if(BufferId::http_server, header_value(tx->response_headers, "server"));
      list_.add_if(BufferId::http_location, header_value(tx->response_headers, "location"));
      list_.add_if(BufferId::http_response_body, state->response_body);
      list_.add_if(BufferId::file_data, state->response_body);
    } else {
      list_.add_if(BufferId::file_data, state->request_body);
    }

    eve_.tx = tx;
    eve_.response = response;
    Transaction out;
    out.proto = AppProto::http;
    out.direction = direction;
    out.id = state->id;
    out.complete = complete;
    out.buffers = list_.sorted();
    if (response) {
      out.values.http_status = static_cast<uint16_t>(std::clamp(tx->response_status_number, 0, 999));
      out.values.http_response_length = state->response_body_seen;
    }
    out.eve_source = &eve_;
    out_->transaction(out);
    if (!response) {
      if (tx->flags & (HTP_REQUEST_SMUGGLING | HTP_REQUEST_INVALID_T_E | HTP_REQUEST_INVALID_C_L)) {
        out_->anomaly("http.request_smuggling");
      }
      // The response side carries the request line and headers (libhtp's), not the request's
      // raw header block or body: those go now, so a pipelined burst holds less.
      std::string().swap(state->request_body);
      std::string().swap(state->request_header_raw);
    }
  }

  // The flow stops (gap, close, limit): every side that got as far as its first line is
  // delivered as it stands.
  void deliver_open(bool complete) {
    if (connp_ == nullptr) return;
    for_each_tx([&](htp_tx_t* tx) {
      HttpTx* state = state_of(tx);
      if (state == nullptr) return;
      if (!state->request_delivered && tx->request_progress >= HTP_REQUEST_LINE) {
        deliver(tx, Direction::to_server, complete || tx->request_progress == HTP_REQUEST_COMPLETE);
      }
      if (!state->response_delivered && tx->response_progress >= HTP_RESPONSE_LINE) {
        deliver(tx, Direction::to_client, complete || tx->response_progress == HTP_RESPONSE_COMPLETE);
      }
    });
  }

  // Frees the transactions both of whose sides are complete and delivered, oldest first.
  void sweep() {
    htp_conn_t* conn = htp_connp_get_connection(connp_);
    if (conn == nullptr || conn->transactions == nullptr) return;
    const size_t n = htp_list_size(conn->transactions);
    while (first_live_ < n) {
      auto* tx = static_cast<htp_tx_t*>(htp_list_get(conn->transactions, first_live_));
      if (tx != nullptr) {
        HttpTx* state = state_of(tx);
        const bool finished = tx->request_progress == HTP_REQUEST_COMPLETE &&
                              tx->response_progress == HTP_RESPONSE_COMPLETE;
        if (!finished || state == nullptr || !state->request_delivered || !state->response_delivered) break;
        delete state;
        htp_tx_set_user_data(tx, nullptr);
        --live_;
        htp_tx_destroy(tx);
      }
      ++first_live_;
    }
  }

  const AppLayerOptions& options_;
  htp_connp_t* connp_ = nullptr;
  Emitter* out_ = nullptr;
  std::string pending_[2];
  size_t first_live_ = 0;  // transactions before this index are destroyed
  size_t live_ = 0;
  uint64_t next_id_ = 0;
  bool done_ = false;
  // Reused per delivery.
  BufferList list_;
  std::string header_, header_names_, start_, host_;
  HttpEve eve_;
};

HttpParser* parser_of(const htp_tx_t* tx) {
  return tx == nullptr ? nullptr : static_cast<HttpParser*>(htp_connp_get_user_data(tx->connp));
}

template <int (HttpParser::*Method)(htp_tx_t*)>
int on_tx(htp_tx_t* tx) {
  HttpParser* parser = parser_of(tx);
  return parser == nullptr ? HTP_OK : (parser->*Method)(tx);
}

template <int (HttpParser::*Method)(htp_tx_data_t*)>
int on_tx_data(htp_tx_data_t* d) {
  HttpParser* parser = d == nullptr ? nullptr : parser_of(d->tx);
  return parser == nullptr || d->len == 0 ? HTP_OK : (parser->*Method)(d);
}

}  // namespace

AppLayerContext::Impl::Impl(const AppLayerOptions& options) {
  htp = htp_config_create();
  if (htp == nullptr) return;
  htp_config_set_server_personality(htp, HTP_SERVER_IDS);
  // Suricata: the IDS personality lower-cases the path, signatures do not expect it.
  htp_config_set_convert_lowercase(htp, HTP_DECODER_URL_PATH, 0);
  htp_config_set_plusspace_decode(htp, HTP_DECODER_URLENCODED, 0);
  htp_config_set_parse_request_cookies(htp, 0);
  htp_config_set_request_decompression(htp, 1);
  htp_config_set_response_decompression(htp, 1);
  htp_config_set_field_limits(htp, options.http_field_limit, options.http_field_limit);
  htp_config_set_number_headers_limit(htp, options.http_header_count_limit);
  htp_config_set_compression_bomb_limit(htp, 1024 * 1024);
  htp_config_set_compression_time_limit(htp, 100000);
  htp_config_set_lzma_memlimit(htp, 1024 * 1024);
  htp_config_set_lzma_layers(htp, 0);
  htp_config_set_log_level(htp, HTP_LOG_ERROR);
  htp_config_register_request_start(htp, on_tx<&HttpParser::request_start>);
  htp_config_register_request_line(htp, on_tx<&HttpParser::request_line>);
  htp_config_register_request_header_data(htp, on_tx_data<&HttpParser::request_header_data>);
  htp_config_register_response_header_data(htp, on_tx_data<&HttpParser::response_header_data>);
  htp_config_register_request_body_data(htp, on_tx_data<&HttpParser::request_body_data>);
  htp_config_register_response_body_data(htp, on_tx_data<&HttpParser::response_body_data>);
  htp_config_register_request_complete(htp, on_tx<&HttpParser::request_complete>);
  htp_config_register_response_complete(htp, on_tx<&HttpParser::response_complete>);
}

AppLayerContext::Impl::~Impl() {
  if (htp != nullptr) htp_config_destroy(htp);
}

std::unique_ptr<ProtocolParser> make_http_parser(AppLayerContext& context) {
  return std::make_unique<HttpParser>(context);
}

}  // namespace vigil::applayer
