#include "test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <stdexcept>

namespace vigil::test {

namespace {

EVP_PKEY* new_key() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) throw std::runtime_error("TestCa: cannot generate a key");
  return key;
}

void add_name_entry(X509_NAME* name, const char* field, const std::string& value) {
  if (value.empty()) return;
  X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.c_str()), -1,
                             -1, 0);
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) throw std::runtime_error(std::string("TestCa: bad extension ") + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate valid from an hour ago for a day, for `key`, signed later by the caller.
X509* new_certificate(EVP_PKEY* key, long serial) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  return cert;
}

void write_pem(const std::filesystem::path& cert_path, X509* cert, const std::filesystem::path& key_path,
               EVP_PKEY* key) {
  FILE* out = std::fopen(cert_path.c_str(), "w");
  if (out == nullptr) throw std::runtime_error("TestCa: cannot write " + cert_path.string());
  PEM_write_X509(out, cert);
  std::fclose(out);
  out = std::fopen(key_path.c_str(), "w");
  if (out == nullptr) throw std::runtime_error("TestCa: cannot write " + key_path.string());
  PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(out);
}

}  // namespace

TestCa::TestCa(std::filesystem::path dir, std::string name) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
  EVP_PKEY* key = new_key();
  X509* cert = new_certificate(key, 1);
  X509_NAME* subject = X509_get_subject_name(cert);
  add_name_entry(subject, "CN", name);
  add_name_entry(subject, "O", "vigil test");
  X509_set_issuer_name(cert, subject);
  add_extension(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(cert, cert, NID_subject_key_identifier, "hash");
  if (X509_sign(cert, key, EVP_sha256()) <= 0) throw std::runtime_error("TestCa: cannot sign the CA certificate");
  write_pem(dir_ / "ca.pem", cert, dir_ / "ca.key", key);
  key_ = key;
  cert_ = cert;
}

TestCa::~TestCa() {
  X509_free(static_cast<X509*>(cert_));
  EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
}

std::filesystem::path TestCa::ca_cert() const { return dir_ / "ca.pem"; }

TestCa::Issued TestCa::issue(const std::string& file_stem, const std::string& common_name,
                             const std::string& org_unit, bool server) {
  auto* ca_key = static_cast<EVP_PKEY*>(key_);
  auto* ca_cert = static_cast<X509*>(cert_);
  EVP_PKEY* key = new_key();
  X509* cert = new_certificate(key, next_serial_++);
  X509_NAME* subject = X509_get_subject_name(cert);
  add_name_entry(subject, "O", "vigil test");
  add_name_entry(subject, "OU", org_unit);
  add_name_entry(subject, "CN", common_name);
  X509_set_issuer_name(cert, X509_get_subject_name(ca_cert));
  add_extension(cert, ca_cert, NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert, ca_cert, NID_key_usage, "critical,digitalSignature,keyEncipherment");
  add_extension(cert, ca_cert, NID_authority_key_identifier, "keyid:always");
  if (server) {
    add_extension(cert, ca_cert, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    add_extension(cert, ca_cert, NID_ext_key_usage, "serverAuth");
  } else {
    add_extension(cert, ca_cert, NID_ext_key_usage, "clientAuth");
  }
  if (X509_sign(cert, ca_key, EVP_sha256()) <= 0) throw std::runtime_error("TestCa: cannot sign " + file_stem);
  Issued issued{dir_ / (file_stem + ".pem"), dir_ / (file_stem + ".key")};
  write_pem(issued.cert, cert, issued.key, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  return issued;
}

}  // namespace vigil::test
