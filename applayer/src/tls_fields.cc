#include "tls_fields.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdio>
#include <ctime>
#include <memory>

#include "protocol_parser.h"

namespace vigil::applayer {
namespace {

// RFC 8701: 0x0a0a, 0x1a1a, ..., 0xfafa.
bool grease(uint16_t value) { return (value & 0x0f0f) == 0x0a0a && (value >> 8) == (value & 0xff); }

// A bounds-checked reader over one handshake message.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool u8(uint8_t& v) {
    if (left() < 1) return false;
    v = static_cast<uint8_t>(data_[at_++]);
    return true;
  }
  bool u16(uint16_t& v) {
    if (left() < 2) return false;
    v = read_u16(data_, at_);
    at_ += 2;
    return true;
  }
  bool bytes(size_t n, std::string_view& v) {
    if (left() < n) return false;
    v = data_.substr(at_, n);
    at_ += n;
    return true;
  }
  bool skip(size_t n) {
    std::string_view ignored;
    return bytes(n, ignored);
  }
  size_t left() const { return data_.size() - at_; }

 private:
  std::string_view data_;
  size_t at_ = 0;
};

void append_list(std::string& to, const std::vector<uint16_t>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) to.push_back('-');
    to.append(std::to_string(values[i]));
  }
}

std::string hex(std::string_view bytes, bool upper, char separator) {
  static constexpr char kLower[] = "0123456789abcdef";
  static constexpr char kUpper[] = "0123456789ABCDEF";
  const char* digits = upper ? kUpper : kLower;
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0 && separator != 0) out.push_back(separator);
    const auto b = static_cast<uint8_t>(bytes[i]);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0x0f]);
  }
  return out;
}

std::string name_text(const X509_NAME* name) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || name == nullptr) return {};
  // "C=US, O=Example, CN=host": short names, ", " between, UTF-8 kept, controls escaped.
  const unsigned long flags = XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | ASN1_STRFLGS_UTF8_CONVERT | ASN1_STRFLGS_ESC_CTRL;
  if (X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) return {};
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return length > 0 ? std::string(data, static_cast<size_t>(length)) : std::string();
}

std::string time_text(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return {};
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  return text;
}

// The serial as Suricata prints it: the DER integer's content bytes, leading zero included.
std::string serial_text(const ASN1_INTEGER* serial) {
  unsigned char* der = nullptr;
  const int length = i2d_ASN1_INTEGER(serial, &der);
  if (length <= 2 || der == nullptr) {
    OPENSSL_free(der);
    return {};
  }
  const std::string_view encoded(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  size_t header = 2;
  if (static_cast<uint8_t>(encoded[1]) & 0x80) header += static_cast<uint8_t>(encoded[1]) & 0x7f;
  std::string text = header < encoded.size() ? hex(encoded.substr(header), true, ':') : std::string();
  OPENSSL_free(der);
  return text;
}

std::string digest_hex(const EVP_MD* md, std::string_view data, char separator) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out, &length, md, nullptr) != 1) return {};
  return hex(std::string_view(reinterpret_cast<const char*>(out), length), false, separator);
}

}  // namespace

size_t TlsFields::memory() const {
  size_t bytes = sni.capacity() + ja3_string.capacity() + ja3s_string.capacity() + subject.capacity() +
                 issuer.capacity();
  for (const std::string& der : certificates) bytes += der.capacity();
  return bytes;
}

std::string md5_hex(std::string_view data) { return digest_hex(EVP_md5(), data, 0); }

bool parse_client_hello(std::string_view body, TlsFields& f) {
  f.client_hello_seen = true;
  Reader r(body);
  uint16_t version = 0;
  uint8_t session_length = 0;
  uint16_t ciphers_length = 0;
  uint8_t compression_length = 0;
  if (!r.u16(version) || !r.skip(32) || !r.u8(session_length) || !r.skip(session_length) ||
      !r.u16(ciphers_length)) {
    return false;
  }
  f.client_version = version;
  std::vector<uint16_t> ciphers, extensions, groups, formats;
  std::string_view cipher_bytes;
  if (!r.bytes(ciphers_length, cipher_bytes)) return false;
  for (size_t i = 0; i + 1 < cipher_bytes.size(); i += 2) {
    const uint16_t c = read_u16(cipher_bytes, i);
    if (!grease(c)) ciphers.push_back(c);
  }
  bool ok = r.u8(compression_length) && r.skip(compression_length);
  uint16_t extensions_length = 0;
  if (ok && r.left() >= 2 && r.u16(extensions_length)) {
    std::string_view all;
    ok = r.bytes(extensions_length, all);
    if (!ok) all = {};
    Reader ext(all);
    uint16_t type = 0, length = 0;
    std::string_view data;
    while (ext.u16(type) && ext.u16(length) && ext.bytes(length, data)) {
      if (!grease(type)) extensions.push_back(type);
      Reader d(data);
      if (type == 0) {  // server_name: list of (type, name); host_name is type 0
        uint16_t list_length = 0, name_length = 0;
        uint8_t name_type = 0;
        std::string_view name;
        if (d.u16(list_length) && d.u8(name_type) && d.u16(name_length) && d.bytes(name_length, name) &&
            name_type == 0) {
          f.sni.assign(name);
        }
      } else if (type == 10) {  // supported_groups
        uint16_t list_length = 0, group = 0;
        if (d.u16(list_length)) {
          while (d.u16(group)) {
            if (!grease(group)) groups.push_back(group);
          }
        }
      } else if (type == 11) {  // ec_point_formats
        uint8_t list_length = 0, format = 0;
        if (d.u8(list_length)) {
          while (d.u8(format)) formats.push_back(format);
        }
      }
    }
  }
  f.ja3_string = std::to_string(version) + ",";
  append_list(f.ja3_string, ciphers);
  f.ja3_string.push_back(',');
  append_list(f.ja3_string, extensions);
  f.ja3_string.push_back(',');
  append_list(f.ja3_string, groups);
  f.ja3_string.push_back(',');
  append_list(f.ja3_string, formats);
  f.ja3_hash = md5_hex(f.ja3_string);
  return ok;
}

bool parse_server_hello(std::string_view body, TlsFields& f) {
  f.server_hello_seen = true;
  Reader r(body);
  uint16_t version = 0, cipher = 0;
  uint8_t session_length = 0, compression = 0;
  if (!r.u16(version) || !r.skip(32) || !r.u8(session_length) || !r.skip(session_length) || !r.u16(cipher) ||
      !r.u8(compression)) {
    return false;
  }
  f.server_version = version;
  std::vector<uint16_t> extensions;
  uint16_t extensions_length = 0;
  bool ok = true;
  if (r.left() >= 2 && r.u16(extensions_length)) {
    std::string_view all;
    ok = r.bytes(extensions_length, all);
    Reader ext(ok ? all : std::string_view{});
    uint16_t type = 0, length = 0;
    std::string_view data;
    while (ext.u16(type) && ext.u16(length) && ext.bytes(length, data)) {
      if (!grease(type)) extensions.push_back(type);
      if (type == 43 && data.size() == 2) f.server_version = read_u16(data, 0);  // supported_versions
    }
  }
  f.ja3s_string = std::to_string(version) + "," + std::to_string(cipher) + ",";
  append_list(f.ja3s_string, extensions);
  f.ja3s_hash = md5_hex(f.ja3s_string);
  return ok;
}

bool parse_certificates(std::string_view body, TlsFields& f) {
  if (body.size() < 3) return false;
  const size_t total = read_u24(body, 0);
  if (total + 3 > body.size()) return false;
  size_t at = 3;
  bool ok = true;
  f.certificates.clear();
  while (at + 3 <= 3 + total) {
    const size_t length = read_u24(body, at);
    if (at + 3 + length > 3 + total) return false;
    f.certificates.emplace_back(body.substr(at + 3, length));
    at += 3 + length;
  }
  if (f.certificates.empty()) return true;
  const std::string& leaf = f.certificates.front();
  const auto* der = reinterpret_cast<const unsigned char*>(leaf.data());
  std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &der, static_cast<long>(leaf.size())), X509_free);
  if (!cert) return false;
  f.subject = name_text(X509_get_subject_name(cert.get()));
  f.issuer = name_text(X509_get_issuer_name(cert.get()));
  f.serial = serial_text(X509_get0_serialNumber(cert.get()));
  f.not_before = time_text(X509_get0_notBefore(cert.get()));
  f.not_after = time_text(X509_get0_notAfter(cert.get()));
  f.fingerprint = digest_hex(EVP_sha1(), leaf, ':');
  return ok;
}

std::string tls_version_name(uint16_t version) {
  switch (version) {
    case 0x0200: return "SSLv2";
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLS 1.0";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
    default: return "UNDETERMINED";
  }
}

nlohmann::json tls_eve(const TlsFields& f) {
  nlohmann::json tls = nlohmann::json::object();
  if (!f.subject.empty()) tls["subject"] = eve_text(f.subject);
  if (!f.issuer.empty()) tls["issuerdn"] = eve_text(f.issuer);
  if (!f.serial.empty()) tls["serial"] = f.serial;
  if (!f.fingerprint.empty()) tls["fingerprint"] = f.fingerprint;
  if (!f.sni.empty()) tls["sni"] = eve_text(f.sni);
  tls["version"] = tls_version_name(f.version());
  if (!f.not_before.empty()) tls["notbefore"] = f.not_before;
  if (!f.not_after.empty()) tls["notafter"] = f.not_after;
  if (f.client_hello_seen) tls["ja3"] = {{"hash", f.ja3_hash}, {"string", f.ja3_string}};
  if (f.server_hello_seen) tls["ja3s"] = {{"hash", f.ja3s_hash}, {"string", f.ja3s_string}};
  return tls;
}

}  // namespace vigil::applayer
