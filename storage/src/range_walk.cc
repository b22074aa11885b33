#include "range_walk.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>

#include "schema.h"

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

PostingWalk::PostingWalk(std::unique_ptr<RangeWalk> lists, char event_class, std::string lo, std::string hi,
                         bool reverse)
    : lists_(std::move(lists)), lo_(std::move(lo)), hi_(std::move(hi)), reverse_(reverse), key_(1, event_class) {
  fill();
}

void PostingWalk::next() {
  if (!valid()) return;
  if (++next_ == refs_.size()) fill();
  if (valid()) set_key();
}

void PostingWalk::set_key() {
  key_.replace(1, std::string::npos, reinterpret_cast<const char*>(refs_[next_].data()), refs_[next_].size());
}

void PostingWalk::fill() {
  refs_.clear();
  next_ = 0;
  // A list key's suffix is its first ref (and, since the hash was added, 8 more bytes). A shorter
  // one is damaged: reading it as some bucket would mix its refs into the wrong bucket's order, so
  // the walk stops with an error naming it, as for a damaged list.
  const auto bucket_of = [this](std::string_view suffix) -> std::optional<int64_t> {
    const auto parsed = schema::parse_event_ref_key(suffix.substr(0, schema::kEventRefSize));
    if (!parsed) {
      status_ = rocksdb::Status::Corruption("an event index key is damaged (" + std::to_string(suffix.size()) +
                                            " bytes after its prefix, at least 16 expected)");
      return std::nullopt;
    }
    return schema::posting_bucket(parsed->timestamp);
  };
  while (refs_.empty() && lists_->valid() && status_.ok()) {
    const auto bucket = bucket_of(lists_->suffix());
    if (!bucket) return;
    for (; lists_->valid(); lists_->next()) {
      const auto this_bucket = bucket_of(lists_->suffix());
      if (!this_bucket) {
        refs_.clear();
        return;
      }
      if (*this_bucket != *bucket) break;
      const std::string_view list = lists_->value();
      if (list.empty() || list.size() % schema::kEventRefSize != 0) {
        status_ = rocksdb::Status::Corruption("an event index posting list is not a whole number of event refs");
        refs_.clear();
        return;
      }
      for (size_t at = 0; at < list.size(); at += schema::kEventRefSize) {
        const std::string_view ref = list.substr(at, schema::kEventRefSize);
        if (ref < lo_ || ref >= hi_) continue;
        Ref copy;
        std::memcpy(copy.data(), ref.data(), copy.size());
        refs_.push_back(copy);
      }
    }
    if (reverse_) {
      std::sort(refs_.begin(), refs_.end(), std::greater<>());
    } else {
      std::sort(refs_.begin(), refs_.end());
    }
    // An event appended twice (same key) is in two lists of its bucket, and is one event.
    refs_.erase(std::unique(refs_.begin(), refs_.end()), refs_.end());
  }
  if (valid()) set_key();
}

OrderedWalk* MergedWalk::top() {
  OrderedWalk* best = nullptr;
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
