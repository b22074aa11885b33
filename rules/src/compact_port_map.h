// CompactPortMap: a byte per TCP/UDP port in two levels — the port's high byte picks a 256-byte
// block, blocks that are alike stored once — so the map of a rule set (a few distinct blocks:
// well-known ports differ, the high ranges are mostly alike) stays in cache where a flat
// 64 KiB map per protocol and side missed it on most packets.
// Thread contract: immutable after compress(); shared by all scanners.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

namespace vigil::rules {

class CompactPortMap {
 public:
  // `by_port` holds 65536 entries.
  static CompactPortMap compress(const std::vector<uint8_t>& by_port) {
    CompactPortMap map;
    for (size_t high = 0; high < 256; ++high) {
      const uint8_t* block = by_port.data() + (high << 8);
      size_t found = map.blocks_.size();
      for (size_t at = 0; at < map.blocks_.size(); at += 256) {
        if (std::memcmp(map.blocks_.data() + at, block, 256) == 0) {
          found = at;
          break;
        }
      }
      if (found == map.blocks_.size()) map.blocks_.insert(map.blocks_.end(), block, block + 256);
      map.block_of_high_[high] = static_cast<uint32_t>(found);
    }
    return map;
  }

  bool empty() const { return blocks_.empty(); }
  uint8_t at(uint16_t port) const { return blocks_[block_of_high_[port >> 8] + (port & 0xffu)]; }
  size_t bytes() const { return sizeof(block_of_high_) + blocks_.size(); }

 private:
  std::array<uint32_t, 256> block_of_high_{};  // offset of the high byte's block in blocks_
  std::vector<uint8_t> blocks_;
};

}  // namespace vigil::rules
