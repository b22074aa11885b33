// Test certificates: a throwaway CA in a temp dir that issues server and client certificates, made with
// the OpenSSL API (no `openssl` command needed). For tests of the control API over TLS and the sensor link.
// Thread contract: test code, one thread per TestCa.
#pragma once

#include <filesystem>
#include <string>

namespace vigil::test {

// A throwaway CA in `dir` (ca.pem + ca.key) that issues certificates signed by it, made with the OpenSSL API.
class TestCa {
 public:
  explicit TestCa(std::filesystem::path dir, std::string name = "vigil test CA");
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  std::filesystem::path ca_cert() const;
  struct Issued {
    std::filesystem::path cert, key;
  };
  // server=true adds SAN IP:127.0.0.1 and DNS:localhost and serverAuth; otherwise clientAuth.
  // Writes <dir>/<file_stem>.pem and <dir>/<file_stem>.key; subject CN=common_name[,OU=org_unit],O=vigil test.
  Issued issue(const std::string& file_stem, const std::string& common_name, const std::string& org_unit = "",
               bool server = false);

 private:
  std::filesystem::path dir_;
  void* key_ = nullptr;   // EVP_PKEY*, kept out of the header
  void* cert_ = nullptr;  // X509*
  long next_serial_ = 2;
};

}  // namespace vigil::test
