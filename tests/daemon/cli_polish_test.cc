// `vigil --lang vi` against a running vigild: status, rules reload and the audit log read in Vietnamese,
// labels line up whatever their length, and --json stays English for scripts.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon_harness.h"
#include "run_command.h"

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Display column (code points) where the text after the label starts: "thư mục dữ liệu:  /tmp/..." -> 18.
size_t value_column(const std::string& line) {
  const size_t colon = line.find(':');
  size_t value = line.find_first_not_of(' ', colon + 1);
  size_t columns = 0;
  for (size_t i = 0; i < value; ++i) columns += (static_cast<unsigned char>(line[i]) & 0xC0) != 0x80;
  return columns;
}

}  // namespace

TEST_CASE("vigil --lang vi status, rules reload and audit log speak Vietnamese, --json stays English",
          "[daemon][cli][i18n][integration]") {
  vigil::test::TempDir dir;
  vigil::test::write_file(dir.file("vigil.yaml"),
                          "data_dir: data\n"
                          "rules: {paths: [" VIGIL_SOURCE_DIR "/config/rules]}\n"
                          "correlation: {paths: [" VIGIL_SOURCE_DIR "/config/correlation]}\n"
                          "control: {socket: control.sock, roles: [{uid: " + std::to_string(::geteuid()) +
                              ", role: admin}]}\n");
  const std::string socket = dir.file("control.sock");
  vigil::test::DaemonProcess daemon(dir.file("vigil.yaml"), socket, dir.file("vigild.log"));
  INFO(vigil::test::read_file(dir.file("vigild.log")));
  REQUIRE(daemon.started());

  const auto status = vigil::test::run_vigil({"--lang", "vi", "status", "--socket", socket});
  INFO(status.out << status.err);
  REQUIRE(status.exit_code == 0);
  CHECK(contains(status.out, "thư mục dữ liệu:  " + dir.file("data") + "\n"));
  CHECK(contains(status.out, " đã nạp, 0 lần nạp lại"));
  const auto lines = vigil::test::split_lines(status.out);
  REQUIRE(lines.size() >= 6);
  for (size_t i = 2; i < 6; ++i) CHECK(value_column(lines[i]) == value_column(lines[1]));  // values line up

  const auto reload = vigil::test::run_vigil({"--lang", "vi", "rules", "reload", "--socket", socket});
  CHECK(reload.exit_code == 0);
  CHECK(reload.out.starts_with("quy tắc chữ ký đã nạp lại: "));

  const auto log = vigil::test::run_vigil({"--lang", "vi", "audit", "log", "--socket", socket});
  INFO(log.out << log.err);
  REQUIRE(log.exit_code == 0);
  const auto rows = vigil::test::split_lines(log.out);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].starts_with("STT  THỜI GIAN (UTC)      NGƯỜI THỰC HIỆN  VAI TRÒ  THAO TÁC      CHI TIẾT"));
  CHECK(contains(rows[1], " admin    rules.reload  -> "));
  const auto verified = vigil::test::run_vigil({"--lang", "vi", "audit", "log", "--verify", "--socket", socket});
  CHECK(verified.out == "chuỗi kiểm toán nguyên vẹn: 1 mục, 1 đến 1\n");

  // Scripts read the same English fields whatever the language.
  const auto as_json = vigil::test::run_vigil({"--lang", "vi", "status", "--socket", socket, "--json"});
  REQUIRE(as_json.exit_code == 0);
  CHECK(nlohmann::json::parse(as_json.out)["rules"]["loaded"].get<int>() > 0);
  const auto entries = vigil::test::run_vigil({"--lang", "vi", "audit", "log", "--json", "--socket", socket});
  CHECK(nlohmann::json::parse(entries.out)["action"] == "rules.reload");
  CHECK(daemon.stop() == 0);
}
