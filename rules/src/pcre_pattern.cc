#define PCRE2_CODE_UNIT_WIDTH 8
#include "pcre_pattern.h"

#include <pcre2.h>

namespace vigil::rules {

// Rules never need more than a handful of capture groups; matching only reads group 0.
constexpr uint32_t kOvectorPairs = 32;

PcreMatchData::PcreMatchData()
    : data_(pcre2_match_data_create(kOvectorPairs, nullptr)), context_(pcre2_match_context_create(nullptr)) {
  pcre2_set_match_limit(context_, kPcreMatchLimit);
  pcre2_set_depth_limit(context_, kPcreDepthLimit);
}
PcreMatchData::~PcreMatchData() {
  pcre2_match_context_free(context_);
  pcre2_match_data_free(data_);
}

Result<std::shared_ptr<const PcrePattern>> PcrePattern::compile(const std::string& regex, uint32_t options) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(regex.data()), regex.size(), options, &error_code,
                                   &error_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR buffer[256];
    pcre2_get_error_message(error_code, buffer, sizeof(buffer));
    return fail(ErrorCode::parse_error, "pcre does not compile at offset " + std::to_string(error_offset) + ": " +
                                            reinterpret_cast<const char*>(buffer));
  }
  // JIT is an optimisation; a build or platform without it still matches through the interpreter.
  (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  return std::shared_ptr<const PcrePattern>(new PcrePattern(code));
}

PcrePattern::~PcrePattern() { pcre2_code_free(code_); }

bool PcrePattern::match(std::string_view subject, size_t start, PcreMatchData& data, size_t& begin,
                        size_t& end) const {
  if (start > subject.size()) return false;
  const int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), start, 0,
                             data.get(), data.context());
  if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT) data.count_limit_hit();
  if (rc < 0) return false;  // no match, or a limit hit: both count as no match, as in Suricata
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data.get());
  begin = ovector[0];
  end = ovector[1];
  return begin <= end && end <= subject.size();
}

}  // namespace vigil::rules
