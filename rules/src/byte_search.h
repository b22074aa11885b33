// find_bytes: where a rule's content occurs in a buffer, the search every content verification
// makes. Candidates come from comparing the pattern's first and last bytes with 16 buffer positions
// at once (SSE2), then the bytes between. glibc's memmem set up a shift table on every call, and
// most calls here are one short pattern over one packet: on the ET Open bench, 630 instructions a
// call with memmem, 480 with this.
// Thread contract: a pure function.
#pragma once

#include <cstddef>
#include <string_view>

namespace vigil::rules {

// First position p in [from, to - pattern.size()] where `pattern` occurs in `buffer` (`to` is
// clamped to the buffer's size); npos when none, or when the pattern is empty. With `nocase` the
// pattern must already be lower case and the buffer's ASCII letters compare as lower case.
size_t find_bytes(std::string_view buffer, size_t from, size_t to, std::string_view pattern, bool nocase);

}  // namespace vigil::rules
