#include "rule_lexer.h"

#include "text_util.h"

namespace vigil::rules {
namespace {

// Next whitespace-separated header field; brackets may hold spaces ("[1.2.3.4, 5.6.7.8]").
std::string_view next_field(std::string_view& rest) {
  rest = trim(rest);
  int level = 0;
  size_t i = 0;
  for (; i < rest.size(); ++i) {
    const char c = rest[i];
    if (c == '[') ++level;
    if (c == ']') --level;
    if (level <= 0 && (is_space(c) || c == '(')) break;
  }
  std::string_view field = rest.substr(0, i);
  rest.remove_prefix(i);
  return field;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string_view> strip_quotes(std::string_view value) {
  value = trim(value);
  if (value.empty() || value[0] != '"') return value;
  size_t backslashes = 0;  // a final quote after an odd run of backslashes is escaped
  for (size_t i = value.size() - 1; i > 0 && value[i - 1] == '\\'; --i) ++backslashes;
  if (value.size() < 2 || value.back() != '"' || backslashes % 2 == 1) {
    return fail(ErrorCode::parse_error, "unterminated quoted string");
  }
  return value.substr(1, value.size() - 2);
}

}  // namespace

Result<RuleText> split_rule(std::string_view text) {
  RuleText out;
  std::string_view rest = trim(text);
  std::string_view* fields[] = {&out.action, &out.proto, &out.src, &out.src_port, &out.direction, &out.dst,
                                &out.dst_port};
  for (std::string_view* field : fields) {
    *field = next_field(rest);
    if (field->empty()) return fail(ErrorCode::parse_error, "incomplete rule header");
  }
  rest = trim(rest);
  if (rest.empty() || rest.front() != '(') return fail(ErrorCode::parse_error, "rule options must start with '('");
  if (rest.back() != ')') return fail(ErrorCode::parse_error, "rule options must end with ')'");
  std::string_view body = rest.substr(1, rest.size() - 2);

  // As Suricata: an option ends at the first ';' not escaped by a backslash, quotes or not
  // (a pcre may hold a lone '"'; a literal ';' in a string is written as backslash-semicolon).
  size_t start = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (c == ';') {
      std::string_view option = trim(body.substr(start, i - start));
      start = i + 1;
      if (option.empty()) continue;
      const size_t colon = option.find(':');
      RuleOption opt;
      opt.name = trim(option.substr(0, colon));
      if (colon != std::string_view::npos) opt.value = trim(option.substr(colon + 1));
      if (opt.name.empty()) return fail(ErrorCode::parse_error, "option without a name");
      out.options.push_back(opt);
    }
  }
  if (!trim(body.substr(start)).empty()) {
    return fail(ErrorCode::parse_error, "last option '" + std::string(trim(body.substr(start))) + "' lacks ';'");
  }
  return out;
}

Result<std::string> unquote(std::string_view value) {
  auto inner = strip_quotes(value);
  if (!inner) return fail(inner.error());
  std::string out;
  out.reserve(inner->size());
  for (size_t i = 0; i < inner->size(); ++i) {
    char c = (*inner)[i];
    if (c == '\\' && i + 1 < inner->size()) c = (*inner)[++i];
    out.push_back(c);
  }
  return out;
}

Result<std::string> decode_content(std::string_view value) {
  value = trim(value);
  if (value.empty() || value[0] != '"') return fail(ErrorCode::parse_error, "content must be a quoted string");
  auto inner = strip_quotes(value);
  if (!inner) return fail(inner.error());
  std::string out;
  out.reserve(inner->size());
  bool hex = false;
  int high = -1;
  for (size_t i = 0; i < inner->size(); ++i) {
    const char c = (*inner)[i];
    if (c == '|') {
      if (hex && high >= 0) return fail(ErrorCode::parse_error, "odd number of hex digits in content");
      hex = !hex;
      continue;
    }
    if (hex) {
      if (is_space(c)) continue;
      const int v = hex_value(c);
      if (v < 0) return fail(ErrorCode::parse_error, std::string("bad hex digit '") + c + "' in content");
      if (high < 0) {
        high = v;
      } else {
        out.push_back(static_cast<char>(high * 16 + v));
        high = -1;
      }
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= inner->size()) return fail(ErrorCode::parse_error, "content ends with a lone backslash");
      out.push_back((*inner)[++i]);
      continue;
    }
    if (c == '"' || c == ';') return fail(ErrorCode::parse_error, std::string("unescaped '") + c + "' in content");
    out.push_back(c);
  }
  if (hex) return fail(ErrorCode::parse_error, "unterminated '|' hex block in content");
  if (out.empty()) return fail(ErrorCode::parse_error, "empty content");
  return out;
}

}  // namespace vigil::rules
