// `vigil admin backup|check|stats` end to end on a data dir filled by `vigil replay`.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_command.h"

using nlohmann::json;
using vigil::test::run_vigil;
using vigil::test::split_lines;
using vigil::test::TempDir;

namespace {

const std::string kSample = VIGIL_SOURCE_DIR "/samples/sample.pcap";

std::string filled_data_dir(const TempDir& tmp) {
  const std::string dir = tmp.file("data");
  const auto r = run_vigil({"replay", "--data-dir", dir, kSample});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return dir;
}

size_t lines_of(const std::vector<std::string>& args) {
  const auto r = run_vigil(args);
  REQUIRE(r.exit_code == 0);
  return split_lines(r.out).size();
}

}  // namespace

TEST_CASE("admin stats counts what replay stored, per class", "[cli][admin][integration]") {
  TempDir tmp;
  const std::string dir = filled_data_dir(tmp);
  const auto r = run_vigil({"admin", "stats", "--data-dir", dir, "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json stats = json::parse(r.out);
  const size_t alerts = lines_of({"alerts", "list", "--data-dir", dir, "--json", "--limit", "100000"});
  const size_t incidents = lines_of({"incidents", "list", "--data-dir", dir, "--json", "--limit", "100000"});
  CHECK(alerts > 0);
  CHECK(stats["classes"]["events.alert"]["count"] == alerts);
  CHECK(stats["classes"]["incidents"]["count"] == incidents);
  CHECK(stats["classes"]["events.flow"]["count"].get<uint64_t>() > 0);
  CHECK(stats["classes"]["events.alert"]["oldest"].get<std::string>().rfind("2026-03-02T", 0) == 0);
  CHECK(stats["classes"]["audit"]["count"] == 0);
  CHECK(stats["classes"]["audit"]["oldest"].is_null());
  CHECK(stats["dir_bytes"].get<uint64_t>() > 0);

  const auto table = run_vigil({"admin", "stats", "--data-dir", dir});
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find("events.alert") != std::string::npos);
  CHECK(table.out.find("COLUMN FAMILY") != std::string::npos);
}

TEST_CASE("admin backup writes a copy that reads like the original and passes check", "[cli][admin][integration]") {
  TempDir tmp;
  const std::string dir = filled_data_dir(tmp);
  const std::string copy = tmp.file("backup");
  auto r = run_vigil({"admin", "backup", "--data-dir", dir, "--to", copy});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "Backup of " + dir + " written to " + copy + "\n");
  CHECK(run_vigil({"alerts", "list", "--data-dir", copy, "--json", "--limit", "100000"}).out ==
        run_vigil({"alerts", "list", "--data-dir", dir, "--json", "--limit", "100000"}).out);
  r = run_vigil({"admin", "check", "--data-dir", copy, "--json"});
  REQUIRE(r.exit_code == 0);
  const json report = json::parse(r.out);
  CHECK(report["ok"] == true);
  CHECK(report["audit"] == "ok");
  CHECK(report["records_checked"].get<uint64_t>() > 0);

  r = run_vigil({"admin", "backup", "--data-dir", dir, "--to", copy});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "vigil: backup dir " + copy + " already exists; name a new one\n");
}

TEST_CASE("admin check names a damaged table file and exits 1", "[cli][admin][integration]") {
  TempDir tmp;
  const std::string dir = filled_data_dir(tmp);
  // A backup flushes the memtables, so the source has table files to damage.
  REQUIRE(run_vigil({"admin", "backup", "--data-dir", dir, "--to", tmp.file("backup")}).exit_code == 0);
  std::filesystem::path table;
  uintmax_t biggest = 0;
  for (const auto& file : std::filesystem::directory_iterator(dir)) {
    if (file.path().extension() == ".sst" && file.file_size() > biggest) {
      biggest = file.file_size();
      table = file.path();
    }
  }
  REQUIRE(!table.empty());
  {
    std::fstream f(table, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(biggest / 3));
    f.write("\xde\xad\xbe\xef", 4);
  }
  const auto r = run_vigil({"admin", "check", "--data-dir", dir});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("table checksums: Corruption") != std::string::npos);
  CHECK(r.err == "vigil: data dir " + dir + " failed the check\n");
}

TEST_CASE("admin commands on a missing or foreign data dir exit 2 naming it", "[cli][admin]") {
  TempDir tmp;
  for (const char* command : {"check", "stats"}) {
    const auto r = run_vigil({"admin", command, "--data-dir", tmp.file("missing")});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "vigil: data dir " + tmp.file("missing") + " does not exist (a read-only open never creates one)\n");
  }
  vigil::test::write_file(tmp.file("notes.txt"), "not a store");
  const auto r = run_vigil({"admin", "backup", "--data-dir", tmp.path(), "--to", tmp.file("b")});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("is not a vigil data dir") != std::string::npos);
  CHECK(!std::filesystem::exists(tmp.file("b")));
}
