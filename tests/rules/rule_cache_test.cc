// The Hyperscan database cache as a user meets it: a second load of the same rules reads the
// cached databases and alerts exactly as a fresh compile does; a damaged or foreign cache file is
// ignored with a log line, recompiled and rewritten.
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "rules_test_util.h"

using namespace vigil::rules;
using namespace vigil::rules::testing;
namespace fs = std::filesystem;

namespace {

const char* const kRules =
    "alert tcp any any -> any 80 (msg:\"evil get\"; content:\"GET /evil\"; sid:10;)\n"
    "alert tcp any any -> any any (msg:\"shell\"; content:\"/bin/sh\"; nocase; sid:11;)\n"
    "alert tcp any any -> any any (msg:\"stream only\"; flow:only_stream; content:\"secret\"; sid:12;)\n";

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("vigil-rule-cache-" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string str() const { return path_.string(); }
  std::vector<fs::path> files() const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(path_)) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  fs::path path_;
};

std::shared_ptr<const RuleSet> load_cached(const std::string& dir) {
  RuleLoadReport report;
  auto set = compile_rule_text(kRules, "test.rules", RuleVariables::suricata_defaults(), report, {dir});
  REQUIRE(set.has_value());
  REQUIRE(report.issues.empty());
  return *set;
}

std::vector<uint32_t> sids_for(const std::shared_ptr<const RuleSet>& set) {
  Scanner scanner(set);
  std::vector<uint32_t> all;
  for (const char* payload : {"GET /evil HTTP/1.0", "exec /BIN/SH now", "nothing here"}) {
    for (uint32_t sid : scan_sids(scanner, http_request(payload))) all.push_back(sid);
  }
  return all;
}

// Captures what the rules module logs while alive.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace

TEST_CASE("rule cache: a warm load gives the same alerts as a cold one", "[rules][cache]") {
  TempDir dir;
  const auto cold = load_cached(dir.str());
  const auto files = dir.files();
  REQUIRE(files.size() >= 2);  // block databases (grouped by protocol, direction, port) and the stream one
  const auto written = fs::last_write_time(files[0]);

  LogCapture log;
  const auto warm = load_cached(dir.str());
  CHECK(dir.files() == files);
  CHECK(fs::last_write_time(files[0]) == written);  // read, not rewritten
  CHECK(log.text().find("ignoring") == std::string::npos);
  CHECK(sids_for(warm) == sids_for(cold));
  CHECK(sids_for(warm) == std::vector<uint32_t>{10, 11});
}

TEST_CASE("rule cache: a damaged file is ignored with a log line and rewritten", "[rules][cache]") {
  TempDir dir;
  const auto reference = sids_for(load_cached(dir.str()));
  const auto files = dir.files();
  REQUIRE(!files.empty());

  SECTION("bytes flipped in the middle") {
    std::fstream f(files[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(files[0]) / 2));
    f.write("\xde\xad\xbe\xef", 4);
  }
  SECTION("truncated") { fs::resize_file(files[0], fs::file_size(files[0]) / 3); }
  SECTION("another database's file under this name") {
    REQUIRE(files.size() >= 2);
    fs::copy_file(files[1], files[0], fs::copy_options::overwrite_existing);
  }
  SECTION("not a cache file at all") { std::ofstream(files[0], std::ios::trunc) << "hello"; }

  std::string logged;
  {
    LogCapture log;
    CHECK(sids_for(load_cached(dir.str())) == reference);
    logged = log.text();
  }
  CHECK(logged.find("ignoring rule cache file " + files[0].string()) != std::string::npos);

  // Rewritten: the next load reads it without complaint.
  LogCapture log;
  CHECK(sids_for(load_cached(dir.str())) == reference);
  CHECK(log.text().find("ignoring") == std::string::npos);
}
