#include "range_walk.h"

namespace vigil::storage {

RangeWalk::RangeWalk(std::unique_ptr<rocksdb::Iterator> it, std::vector<KeyRange> ranges, bool reverse)
    : it_(std::move(it)), ranges_(std::move(ranges)), reverse_(reverse) {
  if (reverse_) {
    std::vector<KeyRange> reversed(ranges_.rbegin(), ranges_.rend());
    ranges_.swap(reversed);
  }
  enter_range();
}

std::string_view RangeWalk::key() const {
  const auto k = it_->key();
  return {k.data(), k.size()};
}

std::string_view RangeWalk::value() const {
  const auto v = it_->value();
  return {v.data(), v.size()};
}

bool RangeWalk::in_range() const {
  const std::string_view k = key();
  const KeyRange& range = ranges_[current_];
  return k >= range.lo && k < range.hi;
}

void RangeWalk::enter_range() {
  valid_ = false;
  for (; current_ < ranges_.size(); ++current_) {
    const KeyRange& range = ranges_[current_];
    if (range.lo >= range.hi) continue;
    if (reverse_) {
      it_->SeekForPrev(range.hi);  // the last key <= hi; hi itself is excluded below
      if (it_->Valid() && key() == range.hi) it_->Prev();
    } else {
      it_->Seek(range.lo);
    }
    if (!it_->status().ok()) {
      status_ = it_->status();
      return;
    }
    if (it_->Valid() && in_range()) {
      valid_ = true;
      return;
    }
  }
}

void RangeWalk::next() {
  if (!valid_) return;
  if (reverse_) {
    it_->Prev();
  } else {
    it_->Next();
  }
  if (!it_->status().ok()) {
    status_ = it_->status();
    valid_ = false;
    return;
  }
  if (it_->Valid() && in_range()) return;
  ++current_;
  enter_range();
}

RangeWalk* MergedWalk::top() {
  RangeWalk* best = nullptr;
  for (auto& walk : walks_) {
    if (!walk->valid()) continue;
    if (best == nullptr) {
      best = walk.get();
      continue;
    }
    const int order = walk->suffix().compare(best->suffix());
    if (reverse_ ? order > 0 : order < 0) best = walk.get();
  }
  return best;
}

rocksdb::Status MergedWalk::status() const {
  for (const auto& walk : walks_) {
    if (!walk->status().ok()) return walk->status();
  }
  return rocksdb::Status::OK();
}

}  // namespace vigil::storage
