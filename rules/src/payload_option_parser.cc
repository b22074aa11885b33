#include "payload_option_parser.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>

#include "rule_lexer.h"
#include "text_util.h"

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

}  // namespace

bool PayloadOptionParser::handles(std::string_view name) const {
  static constexpr std::string_view kNames[] = {
      "content", "nocase",  "offset",   "depth",     "distance",     "within",   "fast_pattern", "rawbytes",
      "startswith", "endswith", "pcre", "isdataat", "byte_test", "byte_jump", "byte_extract"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

Result<void> PayloadOptionParser::apply(std::string_view name, std::string_view value) {
  if (name == "content") return content(value);
  if (name == "pcre") return pcre(value);
  if (name == "isdataat") return isdataat(value);
  if (name == "byte_test") return byte_test(value);
  if (name == "byte_jump") return byte_jump(value);
  if (name == "byte_extract") return byte_extract(value);
  return content_modifier(name, value);
}

Result<Operand> PayloadOptionParser::operand(std::string_view text) const {
  text = trim(text);
  if (auto v = parse_int(text)) return Operand{*v, -1};
  for (size_t i = 0; i < variables_.size(); ++i) {
    if (variables_[i] == text) return Operand{0, static_cast<int>(i)};
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
  rule_.payload.emplace_back(std::move(step));
  last_content_ = static_cast<int>(rule_.payload.size()) - 1;
  return ok();
}

Result<void> PayloadOptionParser::content_modifier(std::string_view name, std::string_view value) {
  if (last_content_ < 0) return fail(ErrorCode::parse_error, "'" + std::string(name) + "' needs a preceding content");
  auto& c = std::get<ContentStep>(rule_.payload[static_cast<size_t>(last_content_)]);
  if (name == "rawbytes") return ok();  // packet payload is already raw
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
  for (char f : value.substr(last + 1)) {
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
        return fail(ErrorCode::unsupported, std::string("unsupported pcre modifier '") + f +
                                                "' (application-layer buffer)");
    }
  }
  auto compiled = PcrePattern::compile(regex, options);
  if (!compiled) return fail(compiled.error());
  step.pattern = std::move(*compiled);
  rule_.payload.emplace_back(std::move(step));
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
  rule_.payload.emplace_back(step);
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
  rule_.payload.emplace_back(step);
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
  rule_.payload.emplace_back(step);
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
  auto existing = std::find(variables_.begin(), variables_.end(), name);
  if (existing != variables_.end()) {
    step.var = static_cast<int>(existing - variables_.begin());
  } else {
    if (variables_.size() >= kMaxExtractVars) return bad("byte_extract", "too many variables in one rule");
    step.var = static_cast<int>(variables_.size());
    variables_.emplace_back(name);
  }
  rule_.extract_vars = static_cast<int>(variables_.size());
  rule_.payload.emplace_back(step);
  return ok();
}

Result<void> PayloadOptionParser::finish() {
  for (const PayloadStep& step : rule_.payload) {
    const auto* c = std::get_if<ContentStep>(&step);
    if (c == nullptr) continue;
    if (c->startswith && (c->offset || c->depth || c->distance || c->within)) {
      return fail(ErrorCode::parse_error, "startswith cannot be combined with offset, depth, distance or within");
    }
  }
  return ok();
}

}  // namespace vigil::rules
