#include "signed_chain.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <sstream>

namespace vigil::cli {

namespace {

std::string to_hex(const unsigned char* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xF];
  }
  return out;
}

// OpenSSL queues its reasons per thread; the newest one says why a call failed.
std::string openssl_reason() {
  std::string reason;
  while (const unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    reason = text;
  }
  return reason.empty() ? "unknown OpenSSL error" : reason;
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

Result<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::io_error, "cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<std::string> raw_public_key(EVP_PKEY* key) {
  if (EVP_PKEY_id(key) != EVP_PKEY_ED25519) return fail(ErrorCode::invalid_argument, "not an Ed25519 key");
  unsigned char raw[32];
  size_t size = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key, raw, &size) != 1 || size != sizeof raw) {
    return fail(ErrorCode::invalid_argument, "cannot read the Ed25519 public key: " + openssl_reason());
  }
  return std::string(reinterpret_cast<const char*>(raw), size);
}

std::string key_id_of(std::string_view raw) { return sha256_hex(raw).substr(0, 16); }

std::string pem_of(EVP_PKEY* key, bool private_part) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  const int written = private_part
                          ? PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)
                          : PEM_write_bio_PUBKEY(bio.get(), key);
  if (written != 1) return {};
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  return to_hex(digest, size);
}

std::string chain_hash(std::string_view prev_hex, std::string_view body) {
  std::string input;
  input.reserve(prev_hex.size() + 1 + body.size());
  input.append(prev_hex).append("\n").append(body);
  return sha256_hex(input);
}

std::string signed_message(std::string_view last_hash_hex, uint64_t records) {
  return "vigil-export-v1 " + std::string(last_hash_hex) + " " + std::to_string(records);
}

bool is_hash_hex(std::string_view text) {
  if (text.size() != kHashHexSize) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int size = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                   reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(size));
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return fail(ErrorCode::parse_error, "not base64");
  std::string out(text.size() / 4 * 3, '\0');
  const int size = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                   reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (size < 0) return fail(ErrorCode::parse_error, "not base64");
  // EVP_DecodeBlock counts the padding as zero bytes.
  size_t padding = 0;
  if (text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
  out.resize(static_cast<size_t>(size) - padding);
  return out;
}

Result<PublicKey> PublicKey::from_pem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return fail(ErrorCode::parse_error, "not a PEM public key (" + openssl_reason() + ")");
  }
  auto raw = raw_public_key(key.get());
  if (!raw) return fail(raw.error());
  PublicKey out;
  out.raw_ = std::move(*raw);
  out.key_id_ = key_id_of(out.raw_);
  return out;
}

Result<PublicKey> PublicKey::load(const std::string& path) {
  auto text = read_small_file(path);
  if (!text) return fail(text.error());
  auto key = from_pem(*text);
  if (!key) return fail(key.error().with_context(path));
  return key;
}

bool PublicKey::verify(std::string_view message, std::string_view signature) const {
  PkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                          reinterpret_cast<const unsigned char*>(raw_.data()), raw_.size()));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!key || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    ERR_clear_error();
    return false;
  }
  const int verdict = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                                       signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                                       message.size());
  ERR_clear_error();
  return verdict == 1;
}

struct SigningKey::Handle {
  PkeyPtr key;
};

SigningKey::SigningKey(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {
  auto raw = raw_public_key(handle_->key.get());
  key_id_ = raw ? key_id_of(*raw) : std::string();
}
SigningKey::~SigningKey() = default;
SigningKey::SigningKey(SigningKey&&) noexcept = default;
SigningKey& SigningKey::operator=(SigningKey&&) noexcept = default;

Result<SigningKey> SigningKey::generate() {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr),
                                                                  &EVP_PKEY_CTX_free);
  EVP_PKEY* made = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &made) != 1) {
    return fail(ErrorCode::internal, "cannot generate an Ed25519 key: " + openssl_reason());
  }
  auto handle = std::make_unique<Handle>();
  handle->key.reset(made);
  return SigningKey(std::move(handle));
}

Result<SigningKey> SigningKey::from_pem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return fail(ErrorCode::parse_error, "not a PEM private key (" + openssl_reason() + ")");
  if (EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) {
    return fail(ErrorCode::invalid_argument, "not an Ed25519 key (make one with `vigil admin keygen`)");
  }
  auto handle = std::make_unique<Handle>();
  handle->key = std::move(key);
  return SigningKey(std::move(handle));
}

Result<SigningKey> SigningKey::load(const std::string& path) {
  auto text = read_small_file(path);
  if (!text) return fail(text.error());
  auto key = from_pem(*text);
  if (!key) return fail(key.error().with_context(path));
  return key;
}

Result<std::string> SigningKey::sign(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  unsigned char signature[64];
  size_t size = sizeof signature;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, handle_->key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), signature, &size, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    return fail(ErrorCode::internal, "cannot sign: " + openssl_reason());
  }
  return std::string(reinterpret_cast<const char*>(signature), size);
}

std::string SigningKey::private_pem() const { return pem_of(handle_->key.get(), true); }
std::string SigningKey::public_pem() const { return pem_of(handle_->key.get(), false); }

}  // namespace vigil::cli
