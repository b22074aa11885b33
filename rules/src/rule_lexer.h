// Rule lexer: splits one rule's text into its seven header fields and its `name:value;` options,
// honouring quotes and backslash escapes, and decodes quoted strings and content byte strings.
// Used by RuleParser. Thread contract: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/result.h"

namespace vigil::rules {

struct RuleOption {
  std::string_view name;
  std::string_view value;  // trimmed; empty for flag options such as `nocase`
};

struct RuleText {
  std::string_view action, proto, src, src_port, direction, dst, dst_port;
  std::vector<RuleOption> options;
};

Result<RuleText> split_rule(std::string_view text);

// `"text"` -> text with \" \; \\ \: unescaped (msg and similar). Accepts unquoted text too.
Result<std::string> unquote(std::string_view value);

// A content value: `"abc|0d 0a|def"` -> bytes. Leading `!` is the caller's business.
Result<std::string> decode_content(std::string_view value);

}  // namespace vigil::rules
