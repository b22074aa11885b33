// The cryptography of signed exports: SHA-256 hash chains and Ed25519 keys, signatures and key ids
// (OpenSSL). `vigil export` extends a chain record by record and signs its end; `vigil verify` and
// `vigil admin keygen` use the same functions. No file formats here (export_format.h), no I/O but
// reading and writing PEM key files.
// Thread contract: pure functions; a SigningKey/PublicKey is a plain value used by one thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "vigil/core/result.h"

namespace vigil::cli {

inline constexpr size_t kHashHexSize = 64;  // a SHA-256 as lower-case hex

std::string sha256_hex(std::string_view data);
// The chain link: the hash of a record whose text is `body` and whose predecessor hashed to `prev_hex`.
std::string chain_hash(std::string_view prev_hex, std::string_view body);
// The text an export signature covers: the last hash of the chain and the number of records it links.
std::string signed_message(std::string_view last_hash_hex, uint64_t records);
bool is_hash_hex(std::string_view text);

std::string base64_encode(std::string_view bytes);
Result<std::string> base64_decode(std::string_view text);

class PublicKey {
 public:
  // A PEM "PUBLIC KEY" (SubjectPublicKeyInfo) file holding an Ed25519 key.
  static Result<PublicKey> load(const std::string& path);
  static Result<PublicKey> from_pem(std::string_view pem);
  // First 16 hex digits of the SHA-256 of the raw 32-byte key: names the key in files and messages.
  const std::string& key_id() const { return key_id_; }
  bool verify(std::string_view message, std::string_view signature) const;

 private:
  std::string raw_;  // the 32 raw key bytes
  std::string key_id_;
};

class SigningKey {
 public:
  static Result<SigningKey> generate();
  // A PEM "PRIVATE KEY" (PKCS#8) file holding an Ed25519 key.
  static Result<SigningKey> load(const std::string& path);
  static Result<SigningKey> from_pem(std::string_view pem);
  ~SigningKey();
  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;

  const std::string& key_id() const { return key_id_; }
  // The 64-byte Ed25519 signature.
  Result<std::string> sign(std::string_view message) const;
  std::string private_pem() const;
  std::string public_pem() const;

 private:
  struct Handle;
  explicit SigningKey(std::unique_ptr<Handle> handle);
  std::unique_ptr<Handle> handle_;
  std::string key_id_;
};

}  // namespace vigil::cli
