// RangeWalk and MergedWalk: ordered scans over several key ranges of one column family, and a
// merge of several such scans by the part of the key after each range's prefix. Event queries
// merge one walk per event class (and per index day); incident lists merge one per state.
// PostingWalk turns a RangeWalk over event index posting lists into a walk over event keys.
// Thread contract: one thread; each object owns its RocksDB iterator.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>

#include <array>
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

// What MergedWalk merges: keys in order, compared by their suffix.
class OrderedWalk {
 public:
  virtual ~OrderedWalk() = default;
  virtual bool valid() const = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view suffix() const = 0;
  virtual std::string_view value() const = 0;
  virtual void next() = 0;
  virtual const rocksdb::Status& status() const = 0;
};

class RangeWalk final : public OrderedWalk {
 public:
  // Ranges in ascending key order; `reverse` walks them (and their keys) from the last down.
  RangeWalk(std::unique_ptr<rocksdb::Iterator> it, std::vector<KeyRange> ranges, bool reverse);

  bool valid() const override { return valid_; }
  std::string_view key() const override;
  std::string_view suffix() const override { return key().substr(ranges_[current_].prefix); }
  std::string_view value() const override;
  void next() override;
  const rocksdb::Status& status() const override { return status_; }

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

// The event keys (class ‖ ref) of the posting lists a RangeWalk over one value's index ranges
// finds, those in [lo, hi) only, in order. A list's key is its first ref (then a hash of the list)
// and every ref of a list is in its first ref's posting bucket, so the lists of one bucket are
// neighbours: the walk reads one bucket's lists at a time and sorts their refs. The ranges must
// start at a bucket's start. A damaged key or list stops the walk with a Corruption status.
class PostingWalk final : public OrderedWalk {
 public:
  PostingWalk(std::unique_ptr<RangeWalk> lists, char event_class, std::string lo, std::string hi, bool reverse);

  bool valid() const override { return next_ < refs_.size(); }
  std::string_view key() const override { return key_; }  // class ‖ ref: the events CF key
  std::string_view suffix() const override { return std::string_view(key_).substr(1); }
  std::string_view value() const override { return {}; }
  void next() override;
  const rocksdb::Status& status() const override { return status_.ok() ? lists_->status() : status_; }

 private:
  using Ref = std::array<unsigned char, 16>;  // unsigned: sorts as the bytes of a key do
  void fill();  // the next bucket with refs in range, or nothing left
  void set_key();

  std::unique_ptr<RangeWalk> lists_;
  std::string lo_;
  std::string hi_;
  bool reverse_;
  std::vector<Ref> refs_;
  size_t next_ = 0;
  std::string key_;
  rocksdb::Status status_;
};

class MergedWalk {
 public:
  explicit MergedWalk(bool reverse) : reverse_(reverse) {}
  void add(std::unique_ptr<OrderedWalk> walk) { walks_.push_back(std::move(walk)); }
  // The walk whose suffix comes next in the merged order, or null at the end.
  OrderedWalk* top();
  // The first failed walk's status (ok if none failed).
  rocksdb::Status status() const;

 private:
  bool reverse_;
  std::vector<std::unique_ptr<OrderedWalk>> walks_;
};

}  // namespace vigil::storage
