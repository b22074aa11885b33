#include "export_command.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "daemon_client.h"
#include "exit_codes.h"
#include "i18n.h"
#include "export_format.h"
#include "time_arg.h"

namespace vigil::cli {

namespace {

constexpr int kPageSize = 500;

struct ExportOptions {
  std::string socket = default_socket_path();
  std::string from;
  std::string to = "now";
  std::string what = "incidents";
  std::string format = "jsonl";
  std::string key;
  std::string out;
  bool progress = false;
};

// Progress for people: a line that rewrites itself on a terminal, one line per page with --progress
// when stderr is not one.
class ExportProgress {
 public:
  ExportProgress(bool asked, std::string what)
      : tty_(::isatty(STDERR_FILENO) != 0), enabled_(asked || tty_), what_(std::move(what)) {}
  void update(uint64_t records) {
    if (!enabled_) return;
    if (tty_) {
      std::cerr << "\rvigil: exporting " << what_ << ": " << records << " records" << std::flush;
    } else {
      std::cerr << "vigil: exporting " << what_ << ": " << records << " records\n";
    }
  }
  void clear() {
    if (enabled_ && tty_) std::cerr << "\r\033[K" << std::flush;
  }

 private:
  bool tty_;
  bool enabled_;
  std::string what_;
};

ExportRecord record_of(const nlohmann::json& item) {
  ExportRecord record;
  record.id = item.value("id", "");
  record.time = item.value("time", "");
  record.record = item.value("record", nlohmann::json::object());
  return record;
}

int run_export(const ExportOptions& options) {
  auto format = parse_export_format(options.format);
  if (!format) return usage_error("--format: " + format.error().message);
  const Timestamp now = SystemClock().now();
  auto from = parse_time_arg(options.from, now);
  if (!from) return usage_error("--from: " + from.error().message);
  auto to = parse_time_arg(options.to, now);
  if (!to) return usage_error("--to: " + to.error().message);
  if (*from >= *to) return usage_error("--from must be before --to");
  auto key = SigningKey::load(options.key);
  if (!key) return usage_error("--sign: " + key.error().message);
  const std::string tmp = options.out + ".tmp";

  auto client = DaemonClient::connect(options.socket);
  if (!client) return runtime_error(client.error().message);

  // The file appears under its name only once it is complete and signed; until then it is FILE.tmp.
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) return usage_error("cannot write " + tmp);
  const auto give_up = [&](const std::string& message) {
    out.close();
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    return runtime_error(message);
  };
  ExportHeader header{options.what, rfc3339(*from), rfc3339(*to), *format, rfc3339(now), key->key_id()};
  ExportWriter writer(out, header);
  ExportProgress progress(options.progress, options.what);
  nlohmann::json params = {{"what", options.what}, {"from", header.from}, {"to", header.to}, {"limit", kPageSize}};
  std::string after;
  do {
    params["after"] = after;
    auto page = client->call("export.page", params);
    if (!page) {
      progress.clear();
      return give_up("export: " + page.error().message);
    }
    for (const auto& item : (*page)["records"]) writer.add(record_of(item));
    if (!out) return give_up("export: cannot write " + tmp);
    after = page->value("next", "");
    progress.update(writer.records());
  } while (!after.empty());
  progress.clear();
  if (auto signed_ok = writer.finish(*key); !signed_ok) return give_up("export: " + signed_ok.error().message);
  out.close();
  if (!out) return give_up("export: cannot write " + tmp);
  std::error_code ec;
  std::filesystem::rename(tmp, options.out, ec);
  if (ec) return give_up("export: cannot rename " + tmp + " to " + options.out + ": " + ec.message());

  auto recorded = client->call("export.done", {{"what", options.what},
                                               {"from", header.from},
                                               {"to", header.to},
                                               {"format", options.format},
                                               {"records", writer.records()},
                                               {"last_hash", writer.last_hash()},
                                               {"key_id", key->key_id()},
                                               {"file", std::filesystem::path(options.out).filename().string()}});
  const std::string_view what = options.what == "audit"     ? tr("audit entries")
                                : options.what == "alerts"  ? tr("alerts")
                                : options.what == "incidents" ? tr("incidents")
                                                              : std::string_view(options.what);
  std::cout << tr("Exported") << " " << writer.records() << " " << what << " " << tr("from") << " " << header.from << " "
            << tr("to") << " " << header.to << " " << tr("into") << " " << options.out << " (" << options.format << ", "
            << tr("signed by key id") << " " << key->key_id() << ")\n"
            << tr("last hash") << " " << writer.last_hash() << "\n";
  if (!recorded) {
    return runtime_error("the file is complete, but vigild did not record the export: " + recorded.error().message);
  }
  return kExitOk;
}

}  // namespace

void add_export_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ExportOptions>();
  CLI::App* cmd = app.add_subcommand("export", "Write a signed, hash-chained export of incidents, alerts or the audit chain");
  cmd->add_option("--from", options->from, "Start of the range (RFC 3339, a date, or an age like 7d)")->required();
  cmd->add_option("--to", options->to, "End of the range, exclusive")->capture_default_str();
  cmd->add_option("--what", options->what, "incidents (by first seen), alerts or audit")
      ->check(CLI::IsMember({"incidents", "alerts", "audit"}))
      ->capture_default_str();
  cmd->add_option("--format", options->format, "jsonl, csv or stix (a STIX 2.1 bundle)")
      ->check(CLI::IsMember({"jsonl", "csv", "stix"}))
      ->capture_default_str();
  cmd->add_option("--sign", options->key, "Ed25519 private key (PEM) from `vigil admin keygen`")->required();
  cmd->add_option("--out", options->out, "The export file (written as FILE.tmp, renamed when complete)")->required();
  cmd->add_option("--socket", options->socket, "vigild's control socket ($VIGIL_SOCKET)")->capture_default_str();
  cmd->add_flag("--progress", options->progress, "Report progress on stderr even when it is not a terminal");
  cmd->footer(
      "Needs the auditor or admin role. Each record carries the SHA-256 of the one before; the file ends\n"
      "with an Ed25519 signature; `vigil verify FILE --key KEY.pub` checks it without a daemon. vigild\n"
      "records the export in its audit chain. Format: docs/cli.md.\n"
      "Examples:\n"
      "  vigil export --from 7d --sign auditor.key --out incidents.jsonl\n"
      "  vigil export --what audit --from 2026-03-01 --to 2026-04-01 --format csv --sign auditor.key --out audit.csv\n\n"
      "Exit codes: 0 written, 1 the daemon failed or refused (e.g. role), 2 bad arguments or key.");
  cmd->callback([options, &exit_code] { exit_code = run_export(*options); });
}

}  // namespace vigil::cli
