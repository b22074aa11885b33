#include "verify_command.h"

#include <fstream>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "exit_codes.h"
#include "i18n.h"
#include "export_format.h"

namespace vigil::cli {

namespace {

struct VerifyOptions {
  std::string file;
  std::string key;
  bool json = false;
};

int run_verify(const VerifyOptions& options) {
  auto key = PublicKey::load(options.key);
  if (!key) return usage_error("--key: " + key.error().message);
  std::ifstream in(options.file, std::ios::binary);
  if (!in) return usage_error("cannot read " + options.file);
  auto report = verify_export(in, *key);
  if (!report) return usage_error(options.file + ": " + report.error().message);
  const ExportHeader& h = *report->header;
  if (options.json) {
    nlohmann::json j = {{"file", options.file},  {"valid", report->valid}, {"what", h.what},
                        {"from", h.from},        {"to", h.to},             {"format", to_string(h.format)},
                        {"created", h.created},  {"records", report->records}, {"key_id", key->key_id()}};
    if (!report->valid) {
      j["problem"] = report->problem;
      j["line"] = report->line ? nlohmann::json(*report->line) : nlohmann::json();
      j["record"] = report->record_n ? nlohmann::json(*report->record_n) : nlohmann::json();
      j["record_id"] = report->record_id.empty() ? nlohmann::json() : nlohmann::json(report->record_id);
    }
    std::cout << j.dump() << "\n";
  } else if (report->valid) {
    const std::string_view what = h.what == "audit"     ? tr("audit entries")
                                  : h.what == "alerts"  ? tr("alerts")
                                  : h.what == "incidents" ? tr("incidents")
                                                          : std::string_view(h.what);
    std::cout << options.file << ": " << tr("valid") << ": " << report->records << " " << what << " " << tr("from") << " "
              << h.from << " " << tr("to") << " " << h.to << " (" << to_string(h.format) << ", " << tr("created") << " "
              << h.created << "), " << tr("chain intact") << ", " << tr("signed by key id") << " " << key->key_id()
              << "\n";
  } else {
    std::cout << options.file << ": " << tr("TAMPERED") << ": " << report->problem << "\n";
  }
  if (!report->valid) {
    std::cerr << "vigil: " << options.file << " does not verify";
    if (report->line) std::cerr << " (line " << *report->line << ")";
    std::cerr << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void add_verify_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<VerifyOptions>();
  CLI::App* cmd = app.add_subcommand("verify", "Check a signed export's hash chain and signature (no daemon needed)");
  cmd->add_option("FILE", options->file, "The export file")->required();
  cmd->add_option("--key", options->key, "The signer's Ed25519 public key (PEM), KEY.pub from `vigil admin keygen`")
      ->required();
  cmd->add_flag("--json", options->json, "One JSON object, for scripts");
  cmd->footer(
      "Checks a file written by `vigil export`: every record's SHA-256 link to the one before it and the\n"
      "Ed25519 signature at the end, against the signer's public key. Needs no daemon and no role. When the\n"
      "file does not verify, names the first record (line and id) that was changed, removed, reordered or added.\n\n"
      "Examples:\n  vigil verify incidents.jsonl --key auditor.pub\n"
      "  vigil verify audit.csv --key auditor.pub --json | jq .valid\n\n"
      "Exit codes: 0 valid, 1 tampered (or signed by another key), 2 the file or key cannot be read.");
  cmd->callback([options, &exit_code] { exit_code = run_verify(*options); });
}

}  // namespace vigil::cli
