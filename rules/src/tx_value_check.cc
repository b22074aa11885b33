#include "tx_value_check.h"

#include <string>

#include "text_util.h"

namespace vigil::rules {
namespace {

constexpr uint16_t kTls13 = 0x0304;

}  // namespace

Result<TxValueCheck> parse_tls_version(std::string_view value) {
  std::string_view text = trim(value);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = trim(text.substr(1, text.size() - 2));
  TxValueCheck check;
  check.field = TxValueCheck::Field::tls_version;
  if (text == "1.0" || text == "1.1" || text == "1.2" || text == "1.3") {
    check.value = static_cast<uint16_t>(0x0301 + (text[2] - '0'));
    return check;
  }
  if (text.size() == 6 && text.substr(0, 2) == "0x" &&
      text.substr(2).find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos) {
    check.value = static_cast<uint16_t>(std::stoul(std::string(text.substr(2)), nullptr, 16));
    check.raw = true;
    return check;
  }
  return fail(ErrorCode::parse_error,
              "tls.version: expected 1.0, 1.1, 1.2, 1.3 or a 4-digit code such as 0x0303, got '" +
                  std::string(value) + "'");
}

std::string_view tx_value_name(const TxValueCheck& check) {
  switch (check.field) {
    case TxValueCheck::Field::tls_version:
      return "tls.version";
  }
  return "?";
}

applayer::AppProto tx_value_proto(const TxValueCheck& check) {
  switch (check.field) {
    case TxValueCheck::Field::tls_version:
      return applayer::AppProto::tls;
  }
  return applayer::AppProto::unknown;
}

bool tx_value_holds(const TxValueCheck& check, const applayer::TxValues& values) {
  switch (check.field) {
    case TxValueCheck::Field::tls_version: {
      uint16_t version = values.tls_version;
      if (!check.raw && (version >> 8) == 0x7f) version = kTls13;
      return version == check.value;
    }
  }
  return false;
}

}  // namespace vigil::rules
