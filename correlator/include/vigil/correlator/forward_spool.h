// ForwardSpool: a durable FIFO of records waiting for a forwarder (syslog/CEF, EVE file, layer-4 outbox),
// so nothing is lost while the far end is down or vigil restarts. One append-only file of checksummed
// records and a small file holding how far delivery got. The pipeline thread appends; the forwarding
// pump reads pending records, delivers them and acknowledges. Thread contract: one thread per spool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/result.h"

namespace vigil::correlator {

class ForwardSpool {
 public:
  // Opens (creating) the spool in `dir`. A record torn by a crash at the end of the file is cut off; a
  // damaged record in the middle ends what can be read (reported by open as an error).
  // `sync`: fsync after each append and acknowledgement (what a daemon wants; tests may skip it).
  static Result<std::unique_ptr<ForwardSpool>> open(const std::filesystem::path& dir, bool sync = true);
  ~ForwardSpool();
  ForwardSpool(const ForwardSpool&) = delete;
  ForwardSpool& operator=(const ForwardSpool&) = delete;

  Result<void> append(std::string_view record);
  // Up to `max` records not acknowledged yet, oldest first.
  Result<std::vector<std::string>> pending(size_t max) const;
  // Marks the first `count` pending records delivered. When nothing is left the file starts over.
  Result<void> acknowledge(size_t count);
  size_t pending_count() const { return pending_count_; }

 private:
  ForwardSpool(std::filesystem::path dir, bool sync) : dir_(std::move(dir)), sync_(sync) {}
  Result<void> load();
  Result<void> write_ack(uint64_t offset);

  std::filesystem::path dir_;
  bool sync_;
  int fd_ = -1;                 // the record file, opened for append
  uint64_t end_ = 0;            // its size
  uint64_t acked_ = 0;          // byte offset of the first record not delivered
  size_t pending_count_ = 0;
};

}  // namespace vigil::correlator
