// The signed export file formats (JSON Lines, CSV, STIX 2.1 bundle; docs/cli.md "Export file format"):
// ExportWriter writes one as records arrive, chaining and finally signing them; verify_export reads one
// back and names the first record that was changed, removed, reordered or added.
// Every record line starts with the hash of the record before it and its own hash, then its body; a
// record's hash is chain_hash(prev, body) over the body's exact bytes, so any changed byte shows.
// Thread contract: plain values and functions; one thread per writer.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "signed_chain.h"
#include "vigil/core/result.h"

namespace vigil::cli {

enum class ExportFormat { jsonl, csv, stix };
Result<ExportFormat> parse_export_format(std::string_view text);
const char* to_string(ExportFormat format);

// What the first line says; hashed as the chain's start, so none of it can change unseen.
struct ExportHeader {
  std::string what;     // incidents, alerts, audit
  std::string from;     // the range asked for, as RFC 3339 text
  std::string to;
  ExportFormat format = ExportFormat::jsonl;
  std::string created;  // when the export was written
  std::string key_id;   // the signing key's id
};

// One exported record as the daemon's export.page returns it.
struct ExportRecord {
  std::string id;        // incident id, "EVT-<seq>" or "AUDIT-<seq>"
  std::string time;      // its time (EVE format)
  nlohmann::json record; // the whole record
};

class ExportWriter {
 public:
  // Writes the header line(s) at once.
  ExportWriter(std::ostream& out, ExportHeader header);
  void add(const ExportRecord& record);
  // Writes the signature over the last hash and the record count; the file is complete after it.
  Result<void> finish(const SigningKey& key);

  uint64_t records() const { return records_; }
  const std::string& last_hash() const { return last_hash_; }

 private:
  std::string body(const ExportRecord& record) const;

  std::ostream& out_;
  ExportHeader header_;
  uint64_t records_ = 0;
  std::string last_hash_;
};

struct VerifyReport {
  bool valid = false;
  std::string problem;                 // the first thing wrong, for people; empty when valid
  std::optional<size_t> line;          // where it is (1-based line of the file)
  std::string record_id;               // the record it names, when known
  std::optional<uint64_t> record_n;    // its number in the export (1-based)
  std::optional<ExportHeader> header;  // as read (when line 1 is a header)
  uint64_t records = 0;                // records found in order
  std::string key_id;                  // the id of the key in the signature line
};

// Reads an export and checks its chain and signature against `key`, in one pass and constant memory
// (it seeks back to the start only to name a record added past the signed end, so `in` is a file or a
// string stream). An error (not a report) when the input is not an export at all: no header on line 1.
Result<VerifyReport> verify_export(std::istream& in, const PublicKey& key);

}  // namespace vigil::cli
