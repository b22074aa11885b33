// LinkSpool: the sensor side's on-disk queue of batches the central daemon has not acknowledged yet.
// One file per batch (`<seq>.batch`, the encoded frame exactly as sent), written to a temp name,
// fsynced and renamed, so a batch is either whole on disk or absent after kill -9 or a power cut. The
// highest acknowledged seq is kept in `acked` (same discipline), so batch numbers keep increasing
// across restarts even when every file was removed.
// Thread contract: one thread (the link's io thread); status() values are copied out by the caller.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "vigil/core/result.h"

namespace vigil::daemon {

class LinkSpool {
 public:
  // Creates the dir if needed; reads what an earlier run left. Files at or under the acknowledged seq
  // (a crash between writing `acked` and deleting them) are removed.
  static Result<std::unique_ptr<LinkSpool>> open(const std::filesystem::path& dir, uint64_t max_bytes);

  // The seq the next batch gets.
  uint64_t next_seq() const { return last_seq_ + 1; }
  // Writes the frame of batch next_seq() durably and returns its seq. Fails (nothing written) when
  // the spool already holds max_bytes: the caller counts the batch as dropped.
  Result<uint64_t> append(const std::string& frame);
  // The frame of a spooled batch.
  Result<std::string> read(uint64_t seq) const;
  // Everything up to and including `seq` is acknowledged: recorded, then its files removed.
  Result<void> acknowledge(uint64_t seq);
  // The central has stored batches up to `cursor` from this sensor, yet this spool never numbered
  // that far: it was deleted or replaced. Its unacknowledged batches would be dropped there as
  // duplicates, so they are renumbered from cursor + 1 (new files first, then `acked`, then the old
  // files go; a crash in between resends a batch under both numbers, never loses one). Returns how
  // many batches were renumbered; 0 when the spool is not behind.
  Result<size_t> renumber_after(uint64_t cursor);
  // The first spooled batch after `seq`, or 0.
  uint64_t next_after(uint64_t seq) const;

  size_t batches() const { return sizes_.size(); }
  uint64_t bytes() const { return bytes_; }
  uint64_t last_acked() const { return acked_; }

 private:
  LinkSpool(std::filesystem::path dir, uint64_t max_bytes) : dir_(std::move(dir)), max_bytes_(max_bytes) {}
  std::filesystem::path file_of(uint64_t seq) const;
  Result<void> write_durably(const std::filesystem::path& path, const std::string& bytes) const;

  std::filesystem::path dir_;
  uint64_t max_bytes_;
  uint64_t last_seq_ = 0;
  uint64_t acked_ = 0;
  uint64_t bytes_ = 0;
  std::map<uint64_t, uint64_t> sizes_;  // seq -> frame bytes
};

}  // namespace vigil::daemon
