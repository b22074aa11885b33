// Value keywords of app-layer rules: a number the transaction carries, compared rather than
// scanned (`tls.version:1.2;`). Parsed by RuleParser into Rule::tx_values and checked by the
// TransactionMatcher after the rule's buffers. Thread contract: pure functions.
#pragma once

#include <string_view>

#include "rule.h"
#include "vigil/applayer/transaction.h"
#include "vigil/core/result.h"

namespace vigil::rules {

// `tls.version` as Suricata reads it: "1.0".."1.3" (quoted or not), or a raw code "0x7f1c".
Result<TxValueCheck> parse_tls_version(std::string_view value);

// The keyword a check came from ("tls.version"), for errors and explanations.
std::string_view tx_value_name(const TxValueCheck& check);

// The protocol whose transactions carry the value (the rule's transactions must be of it).
applayer::AppProto tx_value_proto(const TxValueCheck& check);

// Whether the transaction's value passes. tls.version: the version of the side being inspected
// (the ClientHello's in a request, the server's choice in a response); TLS 1.3 drafts (0x7fNN)
// count as TLS 1.3 unless the rule gave a raw code.
bool tx_value_holds(const TxValueCheck& check, const applayer::TxValues& values);

}  // namespace vigil::rules
