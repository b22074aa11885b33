#include "rule_set_version.h"

#include <openssl/evp.h>

namespace vigil::daemon {

std::string rule_set_version(const rules::RuleSet& rules) {
  std::string text;
  for (const rules::RuleInfo& rule : rules.rules()) {
    text += std::to_string(rule.gid) + ":" + std::to_string(rule.sid) + ":" + std::to_string(rule.rev) + ":" +
            rule.action + "\n";
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr) != 1) return "unknown";
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < 6 && i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace vigil::daemon
