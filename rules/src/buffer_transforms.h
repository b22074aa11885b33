// Suricata's buffer transforms (`dotprefix`, `to_lowercase`, `strip_whitespace`, ...), applied in
// rule order to an app-layer buffer before its fast pattern and content chain see it.
// Used by TransactionMatcher. Thread contract: pure functions.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "rule.h"

namespace vigil::rules {

// Writes `input` transformed by each of `transforms` in turn into `out` (reused: no allocation
// once it has grown).
void apply_transforms(std::span<const Transform> transforms, std::string_view input, std::string& out);

}  // namespace vigil::rules
