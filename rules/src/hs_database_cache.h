// HsDatabaseCache: keeps compiled Hyperscan databases as files (hs_serialize_database) so that a
// rule set whose fast patterns did not change loads without recompiling. A file is named by a hash
// of the exact literals, flags, ids and mode plus the Hyperscan version and the host platform; it
// carries that key and a checksum of its bytes, and a file that is short, damaged or made for
// something else is ignored (logged, recompiled and rewritten), never trusted.
// Used by RuleSetImpl::build on the load path. Thread contract: one thread; different processes may
// share a directory (files are written to a temporary name and renamed into place).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hs_database.h"
#include "vigil/core/result.h"

namespace vigil::rules {

struct HsCacheStats {
  uint64_t hits = 0;      // loaded from a cache file
  uint64_t compiled = 0;  // compiled (no file, or an unusable one)
  uint64_t rejected = 0;  // cache files ignored because they were damaged or did not match
};

class HsDatabaseCache {
 public:
  // An empty `dir` disables the cache: every call compiles.
  explicit HsDatabaseCache(std::string dir) : dir_(std::move(dir)) {}

  // The database for these literals in `mode`: from the cache when a valid file exists, else
  // compiled (and then written to the cache; a failed write only costs the next load a compile).
  Result<HsDatabase> load_or_compile(const std::vector<HsLiteral>& literals, unsigned mode);

  const HsCacheStats& stats() const { return stats_; }
  const std::string& dir() const { return dir_; }

  // The file that holds (or would hold) the database for these literals; for tests and logs.
  std::string file_for(const std::vector<HsLiteral>& literals, unsigned mode) const;

 private:
  struct Key {
    uint64_t a = 0;
    uint64_t b = 0;
  };
  static Key key_of(const std::vector<HsLiteral>& literals, unsigned mode);
  std::string path_of(const Key& key) const;
  Result<HsDatabase> read(const std::string& path, const Key& key) const;
  void write(const std::string& path, const Key& key, const HsDatabase& db) const;

  std::string dir_;
  HsCacheStats stats_;
};

}  // namespace vigil::rules
