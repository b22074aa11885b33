#include "payload_matcher.h"

#include <algorithm>

#include "byte_search.h"

namespace vigil::rules {
namespace {

int64_t clamp_index(int64_t v, size_t size) {
  if (v < 0) return 0;
  if (v > static_cast<int64_t>(size)) return static_cast<int64_t>(size);
  return v;
}

}  // namespace

bool PayloadMatcher::matches(std::span<const PayloadStep> steps, std::string_view buffer, int64_t origin) {
  steps_ = steps;
  buffer_ = buffer;
  origin_ = origin;
  budget_ = kStepBudget;
  discontinue_ = false;
  // A list reads only the variables it extracts (the parser rejects others): none may survive from
  // the previous rule or list.
  std::fill(std::begin(vars_), std::end(vars_), 0);
  return match_from(0, 0);
}

bool PayloadMatcher::read_value(const ByteRead& read, int64_t position, uint64_t& value) const {
  if (position < 0 || position + read.bytes > static_cast<int64_t>(buffer_.size())) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(buffer_.data()) + position;
  value = 0;
  if (read.base == 0) {
    for (int i = 0; i < read.bytes; ++i) {
      const uint8_t b = read.little ? p[read.bytes - 1 - i] : p[i];
      value = (value << 8) | b;
    }
  } else {
    int digits = 0;
    for (int i = 0; i < read.bytes; ++i) {
      const uint8_t c = p[i];
      int d = -1;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      if (d < 0 || d >= read.base) break;
      value = value * static_cast<uint64_t>(read.base) + static_cast<uint64_t>(d);
      ++digits;
    }
    if (digits == 0) return false;
  }
  if (read.bitmask != 0) {
    value &= read.bitmask;
    value >>= __builtin_ctzll(read.bitmask);
  }
  return true;
}

bool PayloadMatcher::content(const ContentStep& c, size_t index, size_t cursor) {
  const size_t size = buffer_.size();
  const size_t n = c.pattern.size();
  int64_t lo = 0;
  int64_t hi = static_cast<int64_t>(size);
  if (c.relative()) {
    const int64_t distance = c.distance ? resolve(*c.distance) : 0;
    lo = static_cast<int64_t>(cursor) + distance;
    if (c.within) hi = std::min(hi, lo + resolve(*c.within));
  }
  if (c.offset) lo = std::max(lo, resolve(*c.offset) - origin_);
  if (c.depth) hi = std::min(hi, (c.offset ? resolve(*c.offset) : 0) + resolve(*c.depth) - origin_);
  if (c.startswith) {  // the start of the whole, which a stream window may already have passed
    lo = -origin_;
    hi = static_cast<int64_t>(n) - origin_;
  }
  lo = clamp_index(lo, size);
  hi = clamp_index(hi, size);
  if (c.endswith) lo = std::max(lo, hi - static_cast<int64_t>(n));
  size_t from = static_cast<size_t>(lo);
  const size_t to = static_cast<size_t>(hi);

  if (c.negated) {
    if (find_bytes(buffer_, from, to, c.pattern, c.nocase) != std::string_view::npos) {
      if (!c.relative()) discontinue_ = true;
      return false;
    }
    return match_from(index + 1, cursor);
  }
  for (;;) {
    const size_t at = find_bytes(buffer_, from, to, c.pattern, c.nocase);
    if (at == std::string_view::npos || (c.endswith && at + n != size)) {
      if (!c.relative()) discontinue_ = true;
      return false;
    }
    if (match_from(index + 1, at + n)) return true;
    if (discontinue_ || budget_ == 0) return false;
    from = at + 1;
  }
}

bool PayloadMatcher::pcre(const PcreStep& p, size_t index, size_t cursor) {
  // A relative pcre sees the buffer from the cursor on, so `^` anchors there (as Suricata does).
  const size_t base = p.relative ? std::min(cursor, buffer_.size()) : 0;
  const std::string_view subject = buffer_.substr(base);
  size_t start = 0;
  size_t begin = 0;
  size_t end = 0;
  if (p.negated) {
    if (p.pattern->match(subject, 0, pcre_data_, begin, end)) {
      if (!p.relative) discontinue_ = true;
      return false;
    }
    return match_from(index + 1, cursor);
  }
  for (;;) {
    if (!p.pattern->match(subject, start, pcre_data_, begin, end)) {
      if (!p.relative) discontinue_ = true;
      return false;
    }
    if (match_from(index + 1, base + end)) return true;
    if (discontinue_ || budget_ == 0) return false;
    start = begin + 1;
    if (start > subject.size()) return false;
  }
}

bool PayloadMatcher::match_from(size_t index, size_t cursor) {
  if (index == steps_.size()) return true;
  if (budget_ == 0) return false;
  --budget_;
  const PayloadStep& step = steps_[index];
  switch (step.index()) {
    case 0: return content(std::get<ContentStep>(step), index, cursor);
    case 1: return pcre(std::get<PcreStep>(step), index, cursor);
    case 2: {
      const auto& t = std::get<ByteTestStep>(step);
      const int64_t position = (t.read.relative ? static_cast<int64_t>(cursor) : -origin_) + resolve(t.offset);
      uint64_t v = 0;
      if (!read_value(t.read, position, v)) return false;
      const uint64_t want = static_cast<uint64_t>(resolve(t.value));
      bool result = false;
      switch (t.op) {
        case ByteTestStep::Op::lt: result = v < want; break;
        case ByteTestStep::Op::gt: result = v > want; break;
        case ByteTestStep::Op::eq: result = v == want; break;
        case ByteTestStep::Op::le: result = v <= want; break;
        case ByteTestStep::Op::ge: result = v >= want; break;
        case ByteTestStep::Op::band: result = (v & want) != 0; break;
        case ByteTestStep::Op::bxor: result = (v ^ want) != 0; break;
      }
      if (result == t.negated) return false;
      return match_from(index + 1, cursor);
    }
    case 3: {
      const auto& j = std::get<ByteJumpStep>(step);
      const int64_t position = (j.read.relative ? static_cast<int64_t>(cursor) : -origin_) + resolve(j.offset);
      uint64_t raw = 0;
      if (!read_value(j.read, position, raw)) return false;
      int64_t v = static_cast<int64_t>(raw) * j.multiplier;
      if (j.align) v = (v + 3) & ~int64_t{3};
      int64_t target = 0;
      if (j.from_beginning) target = v - origin_;
      else if (j.from_end) target = static_cast<int64_t>(buffer_.size()) + v;
      else target = position + j.read.bytes + v;
      target += j.post_offset;
      if (target < 0 || target > static_cast<int64_t>(buffer_.size())) return false;
      return match_from(index + 1, static_cast<size_t>(target));
    }
    case 4: {
      const auto& e = std::get<ByteExtractStep>(step);
      const int64_t position = (e.read.relative ? static_cast<int64_t>(cursor) : -origin_) + e.offset;
      uint64_t raw = 0;
      if (!read_value(e.read, position, raw)) return false;
      int64_t v = static_cast<int64_t>(raw) * e.multiplier;
      if (e.align > 0) v = (v + e.align - 1) / e.align * e.align;
      const int64_t saved = vars_[static_cast<size_t>(e.var)];
      vars_[static_cast<size_t>(e.var)] = v;
      if (match_from(index + 1, static_cast<size_t>(position + e.read.bytes))) return true;
      vars_[static_cast<size_t>(e.var)] = saved;
      return false;
    }
    case 5: {
      const auto& d = std::get<IsDataAtStep>(step);
      const int64_t n = resolve(d.position) - (d.relative ? 0 : origin_);
      const int64_t size = static_cast<int64_t>(buffer_.size());
      // Suricata: relative asks for n more bytes after the cursor; absolute for a byte at index n.
      const bool present = d.relative ? static_cast<int64_t>(cursor) + n <= size && n <= size : n < size;
      if (present == d.negated) return false;
      return match_from(index + 1, cursor);
    }
    default: return false;
  }
}

}  // namespace vigil::rules
