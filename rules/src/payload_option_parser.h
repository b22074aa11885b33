// PayloadOptionParser: the payload keywords of one rule (content and its modifiers, pcre, isdataat,
// byte_test, byte_jump, byte_extract) appended in order to Rule::payload.
// Used by RuleParser, one instance per rule. Thread contract: one thread (load path).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rule.h"
#include "vigil/core/result.h"

namespace vigil::rules {

class PayloadOptionParser {
 public:
  explicit PayloadOptionParser(Rule& rule) : rule_(rule) {}

  // true when `name` is a payload keyword (handled or failed); false to let the caller try others.
  // A failure with ErrorCode::unsupported names a feature this build does not have yet.
  bool handles(std::string_view name) const;
  Result<void> apply(std::string_view name, std::string_view value);

  // Checks that need the whole rule (modifier combinations).
  Result<void> finish();

 private:
  Result<void> content(std::string_view value);
  Result<void> content_modifier(std::string_view name, std::string_view value);
  Result<void> pcre(std::string_view value);
  Result<void> isdataat(std::string_view value);
  Result<void> byte_test(std::string_view value);
  Result<void> byte_jump(std::string_view value);
  Result<void> byte_extract(std::string_view value);
  Result<Operand> operand(std::string_view text) const;

  Rule& rule_;
  int last_content_ = -1;  // index into rule_.payload
  std::vector<std::string> variables_;  // byte_extract names, index = Operand::var
};

}  // namespace vigil::rules
