#include "payload_option_parser.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>

#include "rule_lexer.h"
#include "rule_parser.h"
#include "text_util.h"
#include "tx_value_check.h"

namespace vigil::rules {
namespace {

Unexpected bad(std::string_view keyword, const std::string& what) {
  return fail(ErrorCode::parse_error, "bad " + std::string(keyword) + ": " + what);
}

// Reads the flags shared by byte_test / byte_jump / byte_extract; returns false for unknown words.
// `dce` is a known Snort/Suricata word this build cannot honour (needs the DCE/RPC parser).
enum class ReadFlag { ok, unknown, unsupported };
ReadFlag read_flag(std::string_view word, ByteRead& read) {
  if (word == "relative") read.relative = true;
  else if (word == "big") read.little = false;
  else if (word == "little") read.little = true;
  else if (word == "string") read.base = read.base == 0 ? 10 : read.base;
  else if (word == "dec") read.base = 10;
  else if (word == "hex") read.base = 16;
  else if (word == "oct") read.base = 8;
  else if (word == "dce") return ReadFlag::unsupported;
  else return ReadFlag::unknown;
  return ReadFlag::ok;
}

// "bitmask 0x3c", "multiplier 4": a word followed by a number.
bool word_number(std::string_view item, std::string_view word, int64_t& out) {
  if (!item.starts_with(word)) return false;
  auto v = parse_int(item.substr(word.size()));
  if (!v) return false;
  out = *v;
  return true;
}

// Suricata's byte_test parser sets no lower bound: a count of 0 loads (ET sid 2033326 has one) and
// reads no value, so a string test never matches; byte_jump and byte_extract need at least 1.
Result<void> check_bytes(std::string_view keyword, const ByteRead& read, int min = 1) {
  const int max = read.base == 0 ? 8 : 20;
  if (read.bytes < min || read.bytes > max) {
    return bad(keyword, "byte count " + std::to_string(read.bytes) + " is outside " + std::to_string(min) + ".." +
                            std::to_string(max));
  }
  return ok();
}

// The Snort-era content modifiers: they move the content before them into a buffer. Every other
// buffer name (http.uri, dns_query, tls_sni, ja3_hash, file_data, ...) is a sticky buffer.
constexpr std::string_view kLegacyModifiers[] = {
    "http_uri",    "http_raw_uri",    "http_method",      "http_header",      "http_raw_header",
    "http_cookie", "http_user_agent", "http_host",        "http_raw_host",    "http_client_body",
    "http_server_body", "http_stat_code", "http_stat_msg"};

bool is_legacy_modifier(std::string_view name) {
  return std::find(std::begin(kLegacyModifiers), std::end(kLegacyModifiers), name) != std::end(kLegacyModifiers);
}

std::optional<Transform> transform_by_name(std::string_view name) {
  if (name == "dotprefix") return Transform::dotprefix;
  if (name == "to_lowercase") return Transform::to_lowercase;
  if (name == "to_uppercase") return Transform::to_uppercase;
  if (name == "strip_whitespace") return Transform::strip_whitespace;
  if (name == "compress_whitespace") return Transform::compress_whitespace;
  if (name == "url_decode") return Transform::url_decode;
  return std::nullopt;
}

// Suricata 7's multi-instance buffers ("multiple buffer matching"): naming one again starts a new
// chain, which any entry of the buffer may satisfy on its own. http.response_body is Suricata's
// file.data list.
bool is_multi_instance(applayer::BufferId id) {
  using applayer::BufferId;
  return id == BufferId::dns_query || id == BufferId::tls_certs || id == BufferId::file_data ||
         id == BufferId::http_response_body;
}

// Suricata's pcre buffer flags.
std::optional<applayer::BufferId> pcre_buffer(char flag) {
  using applayer::BufferId;
  switch (flag) {
    case 'U': return BufferId::http_uri;
    case 'I': return BufferId::http_uri_raw;
    case 'P': return BufferId::http_request_body;
    case 'Q': return BufferId::file_data;
    case 'H': return BufferId::http_header;
    case 'D': return BufferId::http_header_raw;
    case 'M': return BufferId::http_method;
    case 'C': return BufferId::http_cookie;
    case 'S': return BufferId::http_stat_code;
    case 'Y': return BufferId::http_stat_msg;
    case 'V': return BufferId::http_user_agent;
    case 'W': return BufferId::http_host;
    case 'Z': return BufferId::http_host_raw;
    default: return std::nullopt;
  }
}

// Protocols whose files vigil has no buffer for (SMTP attachments, SMB, NFS, FTP data): there
// `file_data` keeps inspecting the packet payload, as before app-layer buffers existed.
bool file_data_is_payload(const Rule& rule) {
  return !rule.app_proto.empty() && rule.app_proto != "http" && rule.app_proto != "http1";
}

}  // namespace

bool PayloadOptionParser::handles(std::string_view name) const {
  static constexpr std::string_view kNames[] = {
      "content", "nocase",  "offset",   "depth",     "distance",     "within",   "fast_pattern", "rawbytes",
      "startswith", "endswith", "pcre", "isdataat", "byte_test", "byte_jump", "byte_extract", "pkt_data",
      "bsize", "urilen"};
  if (std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames)) return true;
  return name != "uricontent" && (applayer::buffer_by_name(name).has_value() || transform_by_name(name).has_value());
}

Result<void> PayloadOptionParser::apply(std::string_view name, std::string_view value) {
  used_vars_.clear();
  if (name == "content") return content(value);
  if (name == "pcre") return pcre(value);
  if (name == "isdataat") return isdataat(value);
  if (name == "byte_test") return byte_test(value);
  if (name == "byte_jump") return byte_jump(value);
  if (name == "byte_extract") return byte_extract(value);
  if (name == "bsize") return bsize(value);
  if (name == "urilen") return urilen(value);
  if (name == "pkt_data") {
    if (auto r = check_pending(); !r) return r;
    in_sticky_ = false;
    sticky_ = kPacket;
    return ok();
  }
  if (auto t = transform_by_name(name)) return transform(name, *t);
  if (auto id = applayer::buffer_by_name(name)) {
    if (!trim(value).empty()) return bad(name, "takes no value");
    if (is_legacy_modifier(name)) return legacy_modifier(name, *id);
    if (*id == applayer::BufferId::file_data && file_data_is_payload(rule_)) {
      if (auto r = check_pending(); !r) return r;
      in_sticky_ = false;
      sticky_ = kPacket;
      return ok();
    }
    return sticky_buffer(name, *id);
  }
  return content_modifier(name, value);
}

int PayloadOptionParser::plain_chain(applayer::BufferId id) {
  for (size_t i = 0; i < rule_.buffers.size(); ++i) {
    if (rule_.buffers[i].id == id && rule_.buffers[i].transforms.empty()) return static_cast<int>(i);
  }
  rule_.buffers.push_back(BufferChain{id, {}, {}, {}});
  return static_cast<int>(rule_.buffers.size()) - 1;
}

int PayloadOptionParser::sticky_chain() {
  if (!in_sticky_) return kPacket;
  if (sticky_ != kUnresolved) return sticky_;
  if (!is_multi_instance(sticky_id_)) {
    for (size_t i = 0; i < rule_.buffers.size(); ++i) {
      if (rule_.buffers[i].id == sticky_id_ && rule_.buffers[i].transforms == pending_) {
        sticky_ = static_cast<int>(i);
        return sticky_;
      }
    }
  }
  rule_.buffers.push_back(BufferChain{sticky_id_, pending_, {}, {}});
  sticky_ = static_cast<int>(rule_.buffers.size()) - 1;
  return sticky_;
}

int PayloadOptionParser::target(bool relative) {
  if (in_sticky_) return sticky_chain();
  return relative ? last_list_ : kPacket;
}

std::string PayloadOptionParser::list_name(int list_id) const {
  if (list_id == kPacket) return "the packet payload";
  const BufferChain& chain = rule_.buffers[static_cast<size_t>(list_id)];
  return "'" + std::string(applayer::buffer_name(chain.id)) + "'" + (chain.transforms.empty() ? "" : " (transformed)") +
         " chain " + std::to_string(list_id + 1);
}

Result<void> PayloadOptionParser::check_vars(int list_id, std::string_view keyword) {
  for (int v : used_vars_) {
    const int from = variable_lists_[static_cast<size_t>(v)];
    if (from == list_id) continue;
    return fail(ErrorCode::parse_error, std::string(keyword) + " uses the byte_extract variable '" +
                                            variables_[static_cast<size_t>(v)] + "' of " + list_name(from) +
                                            " in " + list_name(list_id) + " (a variable belongs to its own buffer)");
  }
  used_vars_.clear();
  return ok();
}

Result<void> PayloadOptionParser::check_pending() const {
  if (!in_sticky_ || sticky_ != kUnresolved || pending_.empty()) return ok();
  return fail(ErrorCode::parse_error, "the transforms of '" + std::string(applayer::buffer_name(sticky_id_)) +
                                          "' are not followed by anything that inspects it");
}

void PayloadOptionParser::append(PayloadStep step, int list_id) {
  list(list_id).push_back(std::move(step));
}

Result<void> PayloadOptionParser::sticky_buffer(std::string_view, applayer::BufferId id) {
  // Suricata: the keyword sets (buffer, no transforms); the first inspecting keyword picks the chain.
  if (auto r = check_pending(); !r) return r;
  in_sticky_ = true;
  sticky_id_ = id;
  pending_.clear();
  sticky_ = kUnresolved;
  named_.push_back(id);
  return ok();
}

Result<void> PayloadOptionParser::legacy_modifier(std::string_view name, applayer::BufferId id) {
  if (last_content_ < 0) return fail(ErrorCode::parse_error, "'" + std::string(name) + "' needs a preceding content");
  if (in_sticky_) {
    return fail(ErrorCode::parse_error, "'" + std::string(name) + "' modifies a content inside the sticky buffer '" +
                                            std::string(applayer::buffer_name(sticky_id_)) +
                                            "'; use one or the other");
  }
  if (last_content_list_ != kPacket) {
    return fail(ErrorCode::parse_error, "'" + std::string(name) + "' follows a content already in '" +
                                            std::string(applayer::buffer_name(rule_.buffers[static_cast<size_t>(last_content_list_)].id)) + "'");
  }
  auto& from = rule_.payload;
  const int chain = plain_chain(id);
  // Its offset/depth/distance/within variables were checked against the packet list it leaves.
  const auto& moving = std::get<ContentStep>(from[static_cast<size_t>(last_content_)]);
  for (const auto* o : {&moving.offset, &moving.depth, &moving.distance, &moving.within}) {
    if (*o && (*o)->var >= 0) used_vars_.push_back((*o)->var);
  }
  if (auto r = check_vars(chain, name); !r) return r;
  PayloadStep step = std::move(from[static_cast<size_t>(last_content_)]);
  from.erase(from.begin() + last_content_);
  list(chain).push_back(std::move(step));
  last_content_list_ = last_list_ = chain;
  last_content_ = static_cast<int>(list(chain).size()) - 1;
  return ok();
}

Result<void> PayloadOptionParser::transform(std::string_view name, Transform t) {
  if (!in_sticky_) {
    return fail(ErrorCode::parse_error, "transform '" + std::string(name) + "' needs a sticky buffer before it");
  }
  // Keywords after it inspect the buffer with every transform since it was named: another chain.
  pending_.push_back(t);
  sticky_ = kUnresolved;
  return ok();
}

Result<void> PayloadOptionParser::bsize(std::string_view value) {
  if (!in_sticky_) return fail(ErrorCode::parse_error, "bsize needs a sticky buffer before it");
  auto check = parse_number_check(value);
  if (!check) return fail(check.error().with_context("bsize"));
  rule_.buffers[static_cast<size_t>(sticky_chain())].sizes.push_back(*check);
  return ok();
}

Result<void> PayloadOptionParser::urilen(std::string_view value) {
  auto parts = split_trim(value, ',');
  if (parts.size() > 2) return bad("urilen", "expected a length and optionally norm or raw");
  applayer::BufferId id = applayer::BufferId::http_uri;  // Suricata's default: the normalised URI
  if (parts.size() == 2) {
    if (parts[1] == "raw") id = applayer::BufferId::http_uri_raw;
    else if (parts[1] != "norm") return bad("urilen", "expected norm or raw, got '" + std::string(parts[1]) + "'");
  }
  auto check = parse_number_check(parts[0]);
  if (!check) return fail(check.error().with_context("urilen"));
  rule_.buffers[static_cast<size_t>(plain_chain(id))].sizes.push_back(*check);
  return ok();
}

Result<Operand> PayloadOptionParser::operand(std::string_view text) {
  text = trim(text);
  if (auto v = parse_int(text)) return Operand{*v, -1};
  for (size_t i = 0; i < variables_.size(); ++i) {
    if (variables_[i] == text) {
      used_vars_.push_back(static_cast<int>(i));
      return Operand{0, static_cast<int>(i)};
    }
  }
  return fail(ErrorCode::parse_error, "'" + std::string(text) + "' is neither a number nor a byte_extract variable");
}

Result<void> PayloadOptionParser::content(std::string_view value) {
  ContentStep step;
  value = trim(value);
  if (!value.empty() && value[0] == '!') {
    step.negated = true;
    value.remove_prefix(1);
  }
  auto bytes = decode_content(value);
  if (!bytes) return fail(bytes.error().with_context("content"));
  step.pattern = std::move(*bytes);
  const int to = target(false);
  append(std::move(step), to);
  last_content_list_ = last_list_ = to;
  last_content_ = static_cast<int>(list(to).size()) - 1;
  return ok();
}

Result<void> PayloadOptionParser::content_modifier(std::string_view name, std::string_view value) {
  if (last_content_ < 0) return fail(ErrorCode::parse_error, "'" + std::string(name) + "' needs a preceding content");
  auto& c = std::get<ContentStep>(list(last_content_list_)[static_cast<size_t>(last_content_)]);
  if (name == "rawbytes") return ok();  // packet payload is already raw; buffers ignore it, as Suricata
  if (name == "nocase") {
    c.nocase = true;
    c.pattern = to_lower(c.pattern);
    return ok();
  }
  if (name == "startswith") {
    c.startswith = true;
    return ok();
  }
  if (name == "endswith") {
    c.endswith = true;
    return ok();
  }
  if (name == "fast_pattern") {
    c.fast_pattern = true;
    if (value.empty() || value == "only") return ok();
    auto parts = split_trim(value, ',');
    auto o = parts.size() == 2 ? parse_int(parts[0]) : std::nullopt;
    auto l = parts.size() == 2 ? parse_int(parts[1]) : std::nullopt;
    if (!o || !l || *o < 0 || *l <= 0 || *o + *l > static_cast<int64_t>(c.pattern.size())) {
      return bad(name, "expected 'only' or 'offset,length' inside the content, got '" + std::string(value) + "'");
    }
    c.fp_offset = static_cast<int>(*o);
    c.fp_length = static_cast<int>(*l);
    return ok();
  }
  auto v = operand(value);
  if (!v) return fail(v.error().with_context(std::string(name)));
  if (auto r = check_vars(last_content_list_, name); !r) return r;
  if (name == "offset") {
    if (v->var < 0 && v->value < 0) return bad(name, "must not be negative");
    c.offset = *v;
  } else if (name == "depth") {
    if (v->var < 0 && v->value <= 0) return bad(name, "must be positive");
    c.depth = *v;
  } else if (name == "distance") {
    c.distance = *v;
  } else {  // within
    if (v->var < 0 && v->value <= 0) return bad(name, "must be positive");
    c.within = *v;
  }
  return ok();
}

Result<void> PayloadOptionParser::pcre(std::string_view value) {
  PcreStep step;
  value = trim(value);
  if (!value.empty() && value[0] == '!') {
    step.negated = true;
    value.remove_prefix(1);
  }
  // Keep the escapes: `\;` and `\"` mean the same to PCRE2 as the rule meant them.
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return bad("pcre", "must be a quoted /regex/");
  value = value.substr(1, value.size() - 2);
  const size_t last = value.rfind('/');
  if (value.empty() || value[0] != '/' || last == 0) return bad("pcre", "expected /regex/flags");
  const std::string regex(value.substr(1, last - 1));
  uint32_t options = 0;
  // A buffer flag, when has_buffer (plain values, not std::optional: GCC 12 warns maybe-uninitialized on it).
  bool has_buffer = false;
  applayer::BufferId buffer{};
  for (char f : value.substr(last + 1)) {
    if (auto id = pcre_buffer(f)) {
      if (has_buffer && buffer != *id) return bad("pcre", "names two buffers ('" + std::string(value.substr(last + 1)) + "')");
      has_buffer = true;
      buffer = *id;
      continue;
    }
    switch (f) {
      case 'i': options |= PCRE2_CASELESS; break;
      case 's': options |= PCRE2_DOTALL; break;
      case 'm': options |= PCRE2_MULTILINE; break;
      case 'x': options |= PCRE2_EXTENDED; break;
      case 'A': options |= PCRE2_ANCHORED; break;
      case 'E': options |= PCRE2_DOLLAR_ENDONLY; break;
      case 'G': options |= PCRE2_UNGREEDY; break;
      case 'R': step.relative = true; break;
      case 'B':  // raw bytes: the packet payload is raw already
      case 'O':  // override match limits: ours are the library defaults
        break;
      default:
        return fail(ErrorCode::unsupported, std::string("unsupported pcre modifier '") + f + "'");
    }
  }
  // A buffer flag inside a sticky buffer must name that buffer (ET writes `http.uri; ... pcre:"/x/UR"`);
  // /Q (file.data) inside http.response_body too: Suricata's response body is the file.data buffer.
  const auto same_buffer = [](applayer::BufferId sticky, applayer::BufferId flag) {
    return sticky == flag ||
           (sticky == applayer::BufferId::http_response_body && flag == applayer::BufferId::file_data);
  };
  if (has_buffer && in_sticky_ && !same_buffer(sticky_id_, buffer)) {
    return bad("pcre", "its buffer flag names " + std::string(applayer::buffer_name(buffer)) +
                           " inside the sticky buffer " + std::string(applayer::buffer_name(sticky_id_)));
  }
  if (has_buffer && in_sticky_) has_buffer = false;  // the sticky chain, with its transforms
  auto compiled = PcrePattern::compile(regex, options);
  if (!compiled) return fail(compiled.error());
  step.pattern = std::move(*compiled);
  const int to = has_buffer ? plain_chain(buffer) : target(step.relative);
  append(std::move(step), to);
  last_list_ = to;
  return ok();
}

Result<void> PayloadOptionParser::isdataat(std::string_view value) {
  IsDataAtStep step;
  auto parts = split_trim(value, ',');
  std::string_view pos = parts[0];
  if (!pos.empty() && pos[0] == '!') {
    step.negated = true;
    pos.remove_prefix(1);
  }
  auto v = operand(pos);
  if (!v) return fail(v.error().with_context("isdataat"));
  step.position = *v;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i] == "relative") step.relative = true;
    else if (parts[i] != "rawbytes") return bad("isdataat", "unknown flag '" + std::string(parts[i]) + "'");
  }
  const int to = target(step.relative);
  if (auto r = check_vars(to, "isdataat"); !r) return r;
  append(step, to);
  return ok();
}

Result<void> PayloadOptionParser::byte_test(std::string_view value) {
  auto parts = split_trim(value, ',');
  if (parts.size() < 4) return bad("byte_test", "expected bytes,operator,value,offset");
  ByteTestStep step;
  auto bytes = parse_int(parts[0]);
  if (!bytes) return bad("byte_test", "bad byte count '" + std::string(parts[0]) + "'");
  step.read.bytes = static_cast<int>(*bytes);
  std::string_view op = parts[1];
  if (!op.empty() && op[0] == '!') {
    step.negated = true;
    op.remove_prefix(1);
  }
  using Op = ByteTestStep::Op;
  if (op == "<") step.op = Op::lt;
  else if (op == ">") step.op = Op::gt;
  else if (op == "=" || (op.empty() && step.negated)) step.op = Op::eq;
  else if (op == "<=") step.op = Op::le;
  else if (op == ">=") step.op = Op::ge;
  else if (op == "&") step.op = Op::band;
  else if (op == "^") step.op = Op::bxor;
  else return bad("byte_test", "unknown operator '" + std::string(parts[1]) + "'");
  auto v = operand(parts[2]);
  if (!v) return fail(v.error().with_context("byte_test"));
  step.value = *v;
  auto off = operand(parts[3]);
  if (!off) return fail(off.error().with_context("byte_test"));
  step.offset = *off;
  for (size_t i = 4; i < parts.size(); ++i) {
    int64_t n = 0;
    if (word_number(parts[i], "bitmask", n)) {
      step.read.bitmask = static_cast<uint64_t>(n);
      continue;
    }
    const ReadFlag f = read_flag(parts[i], step.read);
    if (f == ReadFlag::unsupported) return fail(ErrorCode::unsupported, "unsupported byte_test option 'dce'");
    if (f == ReadFlag::unknown) return bad("byte_test", "unknown flag '" + std::string(parts[i]) + "'");
  }
  if (auto r = check_bytes("byte_test", step.read, 0); !r) return r;
  const int to = target(step.read.relative);
  if (auto r = check_vars(to, "byte_test"); !r) return r;
  append(step, to);
  return ok();
}

Result<void> PayloadOptionParser::byte_jump(std::string_view value) {
  auto parts = split_trim(value, ',');
  if (parts.size() < 2) return bad("byte_jump", "expected bytes,offset");
  ByteJumpStep step;
  auto bytes = parse_int(parts[0]);
  if (!bytes) return bad("byte_jump", "bad byte count '" + std::string(parts[0]) + "'");
  step.read.bytes = static_cast<int>(*bytes);
  auto off = operand(parts[1]);
  if (!off) return fail(off.error().with_context("byte_jump"));
  step.offset = *off;
  for (size_t i = 2; i < parts.size(); ++i) {
    const std::string_view p = parts[i];
    int64_t n = 0;
    if (word_number(p, "multiplier", step.multiplier) || word_number(p, "post_offset", step.post_offset)) continue;
    if (word_number(p, "bitmask", n)) {
      step.read.bitmask = static_cast<uint64_t>(n);
      continue;
    }
    if (p == "align") step.align = true;
    else if (p == "from_beginning") step.from_beginning = true;
    else if (p == "from_end") step.from_end = true;
    else {
      const ReadFlag f = read_flag(p, step.read);
      if (f == ReadFlag::unsupported) return fail(ErrorCode::unsupported, "unsupported byte_jump option 'dce'");
      if (f == ReadFlag::unknown) return bad("byte_jump", "unknown flag '" + std::string(p) + "'");
    }
  }
  if (auto r = check_bytes("byte_jump", step.read); !r) return r;
  const int to = target(step.read.relative);
  if (auto r = check_vars(to, "byte_jump"); !r) return r;
  append(step, to);
  return ok();
}

Result<void> PayloadOptionParser::byte_extract(std::string_view value) {
  auto parts = split_trim(value, ',');
  if (parts.size() < 3) return bad("byte_extract", "expected bytes,offset,name");
  ByteExtractStep step;
  auto bytes = parse_int(parts[0]);
  auto off = parse_int(parts[1]);
  if (!bytes || !off) return bad("byte_extract", "bad byte count or offset");
  step.read.bytes = static_cast<int>(*bytes);
  step.offset = *off;
  const std::string_view name = parts[2];
  if (name.empty() || parse_int(name)) return bad("byte_extract", "bad variable name '" + std::string(name) + "'");
  for (size_t i = 3; i < parts.size(); ++i) {
    const std::string_view p = parts[i];
    int64_t n = 0;
    if (word_number(p, "multiplier", step.multiplier)) continue;
    if (word_number(p, "bitmask", n)) {
      step.read.bitmask = static_cast<uint64_t>(n);
      continue;
    }
    if (word_number(p, "align", n)) {
      if (n != 2 && n != 4) return bad("byte_extract", "align must be 2 or 4");
      step.align = static_cast<int>(n);
      continue;
    }
    const ReadFlag f = read_flag(p, step.read);
    if (f == ReadFlag::unsupported) return fail(ErrorCode::unsupported, "unsupported byte_extract option 'dce'");
    if (f == ReadFlag::unknown) return bad("byte_extract", "unknown flag '" + std::string(p) + "'");
  }
  if (auto r = check_bytes("byte_extract", step.read); !r) return r;
  const int to = target(step.read.relative);
  auto existing = std::find(variables_.begin(), variables_.end(), name);
  if (existing != variables_.end()) {
    step.var = static_cast<int>(existing - variables_.begin());
    variable_lists_[static_cast<size_t>(step.var)] = to;
  } else {
    if (variables_.size() >= kMaxExtractVars) return bad("byte_extract", "too many variables in one rule");
    step.var = static_cast<int>(variables_.size());
    variables_.emplace_back(name);
    variable_lists_.push_back(to);
  }
  append(step, to);
  return ok();
}

namespace {

// The protocol whose transactions carry a buffer.
applayer::AppProto proto_of(applayer::BufferId id) {
  using applayer::BufferId;
  if (id <= BufferId::file_data) return applayer::AppProto::http;
  if (id == BufferId::dns_query) return applayer::AppProto::dns;
  if (id <= BufferId::ja3s_string) return applayer::AppProto::tls;
  return applayer::AppProto::ssh;
}

// Which side's transactions a buffer comes from, as Suricata registers its inspection: +1 the
// request (client hello), -1 the response (server hello), 0 either.
int buffer_side(applayer::BufferId id) {
  using applayer::BufferId;
  if (id <= BufferId::http_request_body || id == BufferId::dns_query || id == BufferId::tls_sni ||
      id == BufferId::ja3_hash || id == BufferId::ja3_string) {
    return 1;
  }
  if ((id >= BufferId::http_stat_code && id <= BufferId::http_response_body) ||
      (id >= BufferId::tls_cert_subject && id <= BufferId::tls_certs) || id == BufferId::ja3s_hash ||
      id == BufferId::ja3s_string) {
    return -1;
  }
  return 0;
}

Result<void> check_startswith(const std::vector<PayloadStep>& steps) {
  for (const PayloadStep& step : steps) {
    const auto* c = std::get_if<ContentStep>(&step);
    if (c == nullptr) continue;
    if (c->startswith && (c->offset || c->depth || c->distance || c->within)) {
      return fail(ErrorCode::parse_error, "startswith cannot be combined with offset, depth, distance or within");
    }
  }
  return ok();
}

}  // namespace

Result<void> PayloadOptionParser::finish() {
  if (auto r = check_pending(); !r) return r;
  for (applayer::BufferId id : named_) {
    const bool inspected = std::any_of(rule_.buffers.begin(), rule_.buffers.end(),
                                       [id](const BufferChain& chain) { return chain.id == id; });
    if (!inspected) {
      return fail(ErrorCode::parse_error,
                  "'" + std::string(applayer::buffer_name(id)) + "' is not followed by anything that inspects it");
    }
  }
  if (auto r = check_startswith(rule_.payload); !r) return r;
  if (!rule_.inspects_transactions()) return ok();
  const applayer::AppProto header = rule_.app_proto.empty() ? applayer::AppProto::unknown
                                                            : applayer::app_proto_by_name(rule_.app_proto);
  if (!rule_.app_proto.empty() && header == applayer::AppProto::unknown) {
    return fail(ErrorCode::unsupported, "app-layer buffers on a '" + rule_.app_proto + "' rule (no parser for it)");
  }
  // Every buffer and value keyword names its protocol; they must agree with each other and the header.
  const auto claim = [&](applayer::AppProto proto, std::string_view name, std::string_view what) -> Result<void> {
    const applayer::AppProto wanted = rule_.tx_proto != applayer::AppProto::unknown ? rule_.tx_proto : header;
    if (wanted != applayer::AppProto::unknown && wanted != proto) {
      return fail(ErrorCode::parse_error, "'" + std::string(name) + "' is a " + std::string(applayer::app_proto_name(proto)) +
                                              " " + std::string(what) + ", but the rule inspects " +
                                              std::string(applayer::app_proto_name(wanted)));
    }
    rule_.tx_proto = proto;
    return ok();
  };
  for (const BufferChain& chain : rule_.buffers) {
    const std::string_view name = applayer::buffer_name(chain.id);
    if (chain.steps.empty() && chain.sizes.empty()) {
      return fail(ErrorCode::parse_error, "'" + std::string(name) + "' is not followed by anything that inspects it");
    }
    if (auto r = check_startswith(chain.steps); !r) return fail(r.error().with_context(std::string(name)));
    if (auto r = claim(proto_of(chain.id), name, "buffer"); !r) return r;
  }
  for (const TxValueCheck& check : rule_.tx_values) {
    if (auto r = claim(tx_value_proto(check), tx_value_name(check), "keyword"); !r) return r;
  }
  // Request buffers only: request transactions. Any response buffer: responses (which carry their
  // request's line and headers too, so such a rule can test both).
  rule_.tx_direction = rule_.flow.direction;
  if (rule_.tx_direction == 0) {
    for (const BufferChain& chain : rule_.buffers) {
      const int side = buffer_side(chain.id);
      if (side < 0) {
        rule_.tx_direction = -1;
        break;
      }
      if (side > 0) rule_.tx_direction = 1;
    }
  }
  if (!rule_.payload.empty() && rule_.tx_proto != applayer::AppProto::http && rule_.tx_proto != applayer::AppProto::tls) {
    // Suricata matches these on the raw stream; an HTTP transaction has its raw side (start line,
    // headers, body) to stand for it, a TLS one its side's handshake records, a DNS/SSH one nothing.
    return fail(ErrorCode::unsupported, "packet payload keywords together with " +
                                            std::string(applayer::app_proto_name(rule_.tx_proto)) +
                                            (rule_.buffers.empty() ? " value keywords" : " buffers"));
  }
  return ok();
}

}  // namespace vigil::rules
