#include "hs_database.h"

#include <cstdlib>
#include <utility>

namespace vigil::rules {

HsDatabase::~HsDatabase() { hs_free_database(db_); }
HsDatabase::HsDatabase(HsDatabase&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
HsDatabase& HsDatabase::operator=(HsDatabase&& other) noexcept {
  if (this != &other) {
    hs_free_database(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Result<HsDatabase> HsDatabase::compile_literals(const std::vector<HsLiteral>& literals, unsigned mode) {
  if (literals.empty()) return fail(ErrorCode::invalid_argument, "no patterns to compile");
  std::vector<const char*> expressions;
  std::vector<size_t> lengths;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  expressions.reserve(literals.size());
  for (const HsLiteral& l : literals) {
    expressions.push_back(l.bytes.data());
    lengths.push_back(l.bytes.size());
    flags.push_back(l.flags);
    ids.push_back(l.id);
  }
  HsDatabase out;
  hs_compile_error_t* error = nullptr;
  const hs_error_t rc = hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(), lengths.data(),
                                             static_cast<unsigned>(literals.size()), mode, nullptr, &out.db_, &error);
  if (rc != HS_SUCCESS) {
    std::string message = "Hyperscan could not compile the fast patterns";
    if (error != nullptr) {
      if (error->message != nullptr) message += std::string(": ") + error->message;
      if (error->expression >= 0 && static_cast<size_t>(error->expression) < literals.size()) {
        message += " (pattern " + std::to_string(error->expression) + ")";
      }
      hs_free_compile_error(error);
    }
    return fail(ErrorCode::internal, message);
  }
  return out;
}

Result<std::string> HsDatabase::serialize() const {
  if (db_ == nullptr) return fail(ErrorCode::invalid_argument, "no database to serialize");
  char* bytes = nullptr;
  size_t length = 0;
  if (hs_serialize_database(db_, &bytes, &length) != HS_SUCCESS) {
    return fail(ErrorCode::internal, "Hyperscan could not serialize the database");
  }
  std::string out(bytes, length);
  std::free(bytes);  // allocated by Hyperscan's default allocator (malloc)
  return out;
}

Result<HsDatabase> HsDatabase::deserialize(std::string_view bytes) {
  HsDatabase out;
  const hs_error_t rc = hs_deserialize_database(bytes.data(), bytes.size(), &out.db_);
  if (rc == HS_DB_VERSION_ERROR) return fail(ErrorCode::corrupt_data, "made by another Hyperscan version");
  if (rc == HS_DB_PLATFORM_ERROR) return fail(ErrorCode::corrupt_data, "made for another platform");
  if (rc != HS_SUCCESS) return fail(ErrorCode::corrupt_data, "Hyperscan could not deserialize it");
  return out;
}

size_t HsDatabase::size_bytes() const {
  size_t size = 0;
  if (db_ == nullptr || hs_database_size(db_, &size) != HS_SUCCESS) return 0;
  return size;
}

HsScratch::~HsScratch() { hs_free_scratch(scratch_); }
HsScratch::HsScratch(HsScratch&& other) noexcept : scratch_(std::exchange(other.scratch_, nullptr)) {}
HsScratch& HsScratch::operator=(HsScratch&& other) noexcept {
  if (this != &other) {
    hs_free_scratch(scratch_);
    scratch_ = std::exchange(other.scratch_, nullptr);
  }
  return *this;
}

Result<void> HsScratch::reserve_for(const HsDatabase& db) {
  if (!db) return ok();
  if (hs_alloc_scratch(db.get(), &scratch_) != HS_SUCCESS) {
    return fail(ErrorCode::internal, "Hyperscan could not allocate scratch space");
  }
  return ok();
}

}  // namespace vigil::rules
