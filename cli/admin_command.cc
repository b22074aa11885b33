#include "admin_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "daemon_client.h"
#include "exit_codes.h"
#include "i18n.h"
#include "paths.h"
#include "signed_chain.h"
#include "table.h"
#include "terminal.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::cli {
namespace {

struct AdminOptions {
  std::string data_dir = default_data_dir();
  std::string to;
  std::string socket = default_socket_path();
  bool json = false;
  std::string key_prefix;  // keygen --out
  bool force = false;
};

Result<std::unique_ptr<storage::RocksStore>> open_store(const std::string& dir, bool read_only) {
  storage::StoreOptions options;
  options.create_if_missing = false;
  options.read_only = read_only;
  return storage::RocksStore::open(dir, options);
}

std::string human_bytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return text;
}

std::string time_or_dash(const std::optional<Timestamp>& ts) { return ts ? format_timestamp(*ts).substr(0, 19) : "-"; }

// The data dir is held by a running vigild: it writes the checkpoint (admin.backup, admin role, audited).
int backup_through_daemon(const AdminOptions& options, const std::string& locked) {
  auto client = DaemonClient::connect(options.socket);
  if (!client) return usage_error(locked + "; and " + client.error().message);
  std::error_code ec;
  // vigild's working dir is not ours: send absolute paths.
  const std::string to = std::filesystem::absolute(options.to, ec).lexically_normal().string();
  const std::string data_dir = std::filesystem::absolute(options.data_dir, ec).lexically_normal().string();
  auto done = client->call("admin.backup", {{"to", to}, {"data_dir", data_dir}});
  if (!done) return runtime_error(done.error().message);
  std::cout << tr("Backup of") << " " << options.data_dir << " " << tr("written to") << " " << options.to << " "
            << tr("by vigild") << "\n";
  return kExitOk;
}

// --connect: vigild runs elsewhere and writes the checkpoint on its own machine; --to names a dir there.
int backup_remote(const AdminOptions& options) {
  if (!std::filesystem::path(options.to).is_absolute()) {
    return usage_error("admin backup with --connect: --to must be an absolute path on vigild's machine");
  }
  auto client = DaemonClient::connect(options.socket);
  if (!client) return runtime_error(client.error().message);
  auto done = client->call("admin.backup", {{"to", options.to}});
  if (!done) return runtime_error(done.error().message);
  std::cout << tr("Backup of") << " " << done->value("data_dir", std::string("?")) << " " << tr("written to") << " "
            << options.to << " " << tr("by vigild at") << " " << remote_daemon().address << "\n";
  return kExitOk;
}

int backup(const AdminOptions& options) {
  if (options.to.empty()) return usage_error("admin backup: --to DIR is required");
  if (remote_daemon_set()) return backup_remote(options);
  auto store = open_store(options.data_dir, false);
  if (!store && store.error().message.find(storage::kLockedByWriter) != std::string::npos) {
    return backup_through_daemon(options, store.error().message);
  }
  if (!store) return usage_error(store.error().message);
  if (auto done = (*store)->checkpoint(options.to); !done) {
    return done.error().code == ErrorCode::invalid_argument ? usage_error(done.error().message)
                                                            : runtime_error(done.error().message);
  }
  std::cout << tr("Backup of") << " " << options.data_dir << " " << tr("written to") << " " << options.to << "\n";
  return kExitOk;
}

int check(const AdminOptions& options) {
  auto store = open_store(options.data_dir, true);
  if (!store) return usage_error(store.error().message);
  auto report = (*store)->check();
  if (!report) return runtime_error(report.error().message);
  const auto& audit = report->audit;
  if (options.json) {
    nlohmann::json j;
    j["ok"] = report->ok();
    j["checksums"] = report->checksums.empty() ? nlohmann::json("ok") : nlohmann::json(report->checksums);
    j["records_checked"] = report->records_checked;
    j["records"] = report->records.empty() ? nlohmann::json("ok") : nlohmann::json(report->records);
    j["audit_entries"] = audit.entries;
    j["audit"] = audit.intact() ? nlohmann::json("ok") : nlohmann::json(audit.problem);
    if (audit.first_broken) j["audit_first_broken"] = *audit.first_broken;
    std::cout << j.dump() << "\n";
  } else {
    // Labels padded to the widest, counted as displayed, so the values line up in either language.
    const std::string_view labels[] = {tr("table checksums"), tr("records"), tr("audit chain")};
    size_t widest = 0;
    for (std::string_view l : labels) widest = std::max(widest, display_width(l));
    auto label = [&](std::string_view l) { return std::string(l) + ":" + std::string(widest - display_width(l) + 1, ' '); };
    const std::string ok(tr("ok"));
    std::cout << label(labels[0]) << (report->checksums.empty() ? ok : report->checksums) << "\n";
    std::cout << label(labels[1]) << (report->records.empty() ? ok : report->records) << " ("
              << report->records_checked << " " << tr("events and incidents decoded") << ")\n";
    std::cout << label(labels[2]) << (audit.intact() ? ok : audit.problem) << " (" << audit.entries << " "
              << tr("entries");
    if (audit.first_seq) std::cout << ", " << *audit.first_seq << " " << tr("to") << " " << *audit.last_seq;
    std::cout << ")\n";
  }
  if (!report->ok()) {
    std::cerr << "vigil: data dir " << options.data_dir << " failed the check\n";
    return kExitFailure;
  }
  return kExitOk;
}

int stats(const AdminOptions& options) {
  auto store = open_store(options.data_dir, true);
  if (!store) return usage_error(store.error().message);
  auto stats = (*store)->stats();
  if (!stats) return runtime_error(stats.error().message);
  if (options.json) {
    nlohmann::json j;
    j["dir_bytes"] = stats->dir_bytes;
    for (const auto& f : stats->families) {
      j["column_families"][f.name] = {{"sst_bytes", f.sst_bytes}, {"memtable_bytes", f.memtable_bytes}};
    }
    for (const auto& c : stats->classes) {
      nlohmann::json row = {{"count", c.count}};
      row["oldest"] = c.oldest ? nlohmann::json(format_timestamp(*c.oldest)) : nlohmann::json(nullptr);
      row["newest"] = c.newest ? nlohmann::json(format_timestamp(*c.newest)) : nlohmann::json(nullptr);
      j["classes"][c.name] = row;
    }
    std::cout << j.dump() << "\n";
    return kExitOk;
  }
  std::cout << tr("Data dir") << " " << options.data_dir << ": " << human_bytes(stats->dir_bytes) << " " << tr("on disk")
            << "\n\n";
  Table classes({tr("CLASS"), tr("COUNT"), tr("OLDEST (UTC)"), tr("NEWEST (UTC)")});
  for (const auto& c : stats->classes) {
    classes.add_row({c.name, std::to_string(c.count), time_or_dash(c.oldest), time_or_dash(c.newest)});
  }
  classes.print(std::cout);
  std::cout << "\n";
  Table families({tr("COLUMN FAMILY"), tr("TABLE FILES"), tr("MEMTABLES")});
  for (const auto& f : stats->families) {
    families.add_row({f.name, human_bytes(f.sst_bytes), human_bytes(f.memtable_bytes)});
  }
  families.print(std::cout);
  return kExitOk;
}

// Writes `text` to `path` with `mode`, replacing the file; the mode is set on the descriptor so an existing
// file with looser permissions does not keep them.
Result<void> write_key_file(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return fail(ErrorCode::io_error, "cannot write " + path + ": " + std::strerror(errno));
  const bool written = ::fchmod(fd, mode) == 0 &&
                       ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!written) return fail(ErrorCode::io_error, "cannot write " + path + ": " + std::strerror(saved));
  return ok();
}

int keygen(const AdminOptions& options) {
  const std::string private_path = options.key_prefix + ".key";
  const std::string public_path = options.key_prefix + ".pub";
  if (!options.force) {
    for (const auto& path : {private_path, public_path}) {
      std::error_code ec;
      if (std::filesystem::exists(path, ec)) return usage_error(path + " exists; use --force to replace it");
    }
  }
  auto key = SigningKey::generate();
  if (!key) return runtime_error(key.error().message);
  if (auto done = write_key_file(private_path, key->private_pem(), 0600); !done) return usage_error(done.error().message);
  if (auto done = write_key_file(public_path, key->public_pem(), 0644); !done) return usage_error(done.error().message);
  std::cout << tr("Ed25519 key pair, key id") << " " << key->key_id() << ":\n  " << private_path << "  "
            << tr("private (mode 0600): signs exports, keep it secret") << "\n  " << public_path << "  "
            << tr("public: give it to whoever verifies exports") << "\n";
  return kExitOk;
}

}  // namespace

void add_admin_commands(CLI::App& app, int& exit_code) {
  CLI::App* admin = app.add_subcommand("admin", "Back up, check and measure a data dir; make signing keys");
  admin->require_subcommand(1);
  auto options = std::make_shared<AdminOptions>();
  const auto data_dir = [&](CLI::App* cmd) {
    cmd->add_option("--data-dir", options->data_dir, "Data dir ($VIGIL_DATA_DIR)")->capture_default_str();
  };

  CLI::App* backup_cmd = admin->add_subcommand("backup", "Write a consistent copy of the data dir (a RocksDB checkpoint)");
  data_dir(backup_cmd);
  backup_cmd->add_option("--to", options->to, "New directory for the copy (must not exist)")->required();
  backup_cmd->add_option("--socket", options->socket, "vigild's control socket ($VIGIL_SOCKET), used when vigild holds the data dir")
      ->capture_default_str();
  backup_cmd->footer("The copy is a data dir of its own: `vigil alerts list --data-dir DIR` reads it.\n"
                     "While vigild runs on the data dir, vigild writes the copy (admin role; audited);\n"
                     "the copy then belongs to vigild's user.\n"
                     "Example:\n  vigil admin backup --to /backup/vigil-2026-03-02\n\n"
                     "Exit codes: 0 written, 1 the copy failed or vigild refused (admin role), 2 bad usage\n"
                     "or --to exists.");
  backup_cmd->callback([options, &exit_code] { exit_code = backup(*options); });

  CLI::App* check_cmd = admin->add_subcommand("check", "Verify table checksums, every record and the audit chain");
  data_dir(check_cmd);
  check_cmd->add_flag("--json", options->json, "One JSON object, for scripts");
  check_cmd->footer(
      "Reads the whole data dir read-only (run it on a backup, or with vigild stopped): RocksDB's table\n"
      "checksums, every stored event and incident decoded, and the audit chain's hashes walked.\n\n"
      "Examples:\n"
      "  vigil admin check --data-dir /backup/vigil-2026-03-02\n"
      "  vigil admin check --json | jq .audit\n\n"
      "Exit codes: 0 all sound, 1 something is damaged (named in the output), 2 no data dir there.");
  check_cmd->callback([options, &exit_code] { exit_code = check(*options); });

  CLI::App* stats_cmd = admin->add_subcommand("stats", "Sizes, and per data class the count and time span");
  data_dir(stats_cmd);
  stats_cmd->add_flag("--json", options->json, "One JSON object, for scripts");
  stats_cmd->footer(
      "Size on disk, then per data class (alerts, flows, incidents, audit, ...) how many records and the\n"
      "oldest and newest, then RocksDB's table files and memtables per column family.\n\n"
      "Examples:\n"
      "  vigil admin stats\n"
      "  vigil admin stats --data-dir /var/lib/vigil --json | jq .classes\n\n"
      "Exit codes: 0 shown, 2 no data dir there.");
  stats_cmd->callback([options, &exit_code] { exit_code = stats(*options); });

  CLI::App* keygen_cmd = admin->add_subcommand("keygen", "Make an Ed25519 key pair for signing exports");
  keygen_cmd->add_option("--out", options->key_prefix, "Write PREFIX.key (private, mode 0600) and PREFIX.pub")->required();
  keygen_cmd->add_flag("--force", options->force, "Replace existing key files");
  keygen_cmd->footer("PEM files (PKCS#8 private key, SubjectPublicKeyInfo public key), readable by OpenSSL.\n"
                     "Example:\n  vigil admin keygen --out /etc/vigil/auditor\n"
                     "  vigil export --from 7d --sign /etc/vigil/auditor.key --out week.jsonl\n"
                     "  vigil verify week.jsonl --key /etc/vigil/auditor.pub\n\n"
                     "Exit codes: 0 written, 1 no key could be made, 2 the files exist (without --force) or\n"
                     "cannot be written.");
  keygen_cmd->callback([options, &exit_code] { exit_code = keygen(*options); });
  // Set after the subcommands: CLI11 copies a parent's footer into the subcommands made after it.
  admin->footer(
      "Examples:\n"
      "  vigil admin backup --to /backup/vigil-2026-03-02\n"
      "  vigil admin check --data-dir /backup/vigil-2026-03-02\n"
      "  vigil admin stats\n"
      "  vigil admin keygen --out /etc/vigil/auditor\n\n"
      "Run 'vigil admin COMMAND --help' for each one's options.");
}

}  // namespace vigil::cli
