// RAII owners of Hyperscan handles: HsDatabase (hs_database_t, immutable and shareable once
// compiled) and HsScratch (hs_scratch_t, one per scanning thread).
// Private to vigil::rules: Hyperscan types never leave this module.
// Thread contract: HsDatabase is immutable and shared; HsScratch belongs to one thread.
#pragma once

#include <hs.h>

#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/result.h"

namespace vigil::rules {

struct HsLiteral {
  std::string bytes;
  unsigned flags = 0;  // HS_FLAG_*
  unsigned id = 0;
};

class HsDatabase {
 public:
  HsDatabase() = default;
  ~HsDatabase();
  HsDatabase(HsDatabase&& other) noexcept;
  HsDatabase& operator=(HsDatabase&& other) noexcept;
  HsDatabase(const HsDatabase&) = delete;
  HsDatabase& operator=(const HsDatabase&) = delete;

  // Compiles literals (matched byte for byte, no regex syntax) into a database for `mode`
  // (HS_MODE_BLOCK now; HS_MODE_STREAM when stream detection arrives).
  static Result<HsDatabase> compile_literals(const std::vector<HsLiteral>& literals, unsigned mode);

  // The database as bytes (hs_serialize_database) and back. Deserializing checks Hyperscan's own
  // version and platform header and fails on a mismatch.
  Result<std::string> serialize() const;
  static Result<HsDatabase> deserialize(std::string_view bytes);

  size_t size_bytes() const;  // hs_database_size; 0 for no database

  const hs_database_t* get() const { return db_; }
  explicit operator bool() const { return db_ != nullptr; }

 private:
  hs_database_t* db_ = nullptr;
};

class HsScratch {
 public:
  HsScratch() = default;
  ~HsScratch();
  HsScratch(HsScratch&& other) noexcept;
  HsScratch& operator=(HsScratch&& other) noexcept;
  HsScratch(const HsScratch&) = delete;
  HsScratch& operator=(const HsScratch&) = delete;

  // Grows this scratch so it can scan `db` (one scratch can serve several databases).
  Result<void> reserve_for(const HsDatabase& db);
  hs_scratch_t* get() const { return scratch_; }

 private:
  hs_scratch_t* scratch_ = nullptr;
};

}  // namespace vigil::rules
