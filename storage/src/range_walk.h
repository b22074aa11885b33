// RangeWalk and MergedWalk: ordered scans over several key ranges of one column family, and a
// merge of several such scans by the part of the key after each range's prefix. Event queries
// merge one walk per event class (and per index day); incident lists merge one per state.
// Thread contract: one thread; each object owns its RocksDB iterator.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::storage {

struct KeyRange {
  std::string lo;     // inclusive
  std::string hi;     // exclusive
  size_t prefix = 0;  // bytes of every key in the range before the part that orders the merge
};

class RangeWalk {
 public:
  // Ranges in ascending key order; `reverse` walks them (and their keys) from the last down.
  RangeWalk(std::unique_ptr<rocksdb::Iterator> it, std::vector<KeyRange> ranges, bool reverse);

  bool valid() const { return valid_; }
  std::string_view key() const;
  std::string_view suffix() const { return key().substr(ranges_[current_].prefix); }
  std::string_view value() const;
  void next();
  const rocksdb::Status& status() const { return status_; }

 private:
  void enter_range();  // position at the start of ranges_[current_] or move on
  void settle();       // after a step: still in range, or enter the next one
  bool in_range() const;

  std::unique_ptr<rocksdb::Iterator> it_;
  std::vector<KeyRange> ranges_;
  bool reverse_;
  size_t current_ = 0;  // index into ranges_ in walking order (reversed when reverse_)
  bool valid_ = false;
  rocksdb::Status status_;
};

class MergedWalk {
 public:
  explicit MergedWalk(bool reverse) : reverse_(reverse) {}
  void add(std::unique_ptr<RangeWalk> walk) { walks_.push_back(std::move(walk)); }
  // The walk whose suffix comes next in the merged order, or null at the end.
  RangeWalk* top();
  // The first failed walk's status (ok if none failed).
  rocksdb::Status status() const;

 private:
  bool reverse_;
  std::vector<std::unique_ptr<RangeWalk>> walks_;
};

}  // namespace vigil::storage
