// `vigil status` against a running vigild, and without one.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "daemon_harness.h"
#include "run_command.h"

TEST_CASE("vigil status shows the running daemon, and says so when none answers", "[daemon][cli][integration]") {
  vigil::test::TempDir dir;
  vigil::test::write_file(dir.file("vigil.yaml"),
                          "data_dir: data\n"
                          "rules: {paths: [" VIGIL_SOURCE_DIR "/config/rules]}\n"
                          "correlation: {paths: [" VIGIL_SOURCE_DIR "/config/correlation]}\n"
                          "control: {socket: control.sock, roles: [{uid: " + std::to_string(::geteuid()) +
                              ", role: admin}]}\n");
  const std::string socket = dir.file("control.sock");
  {
    vigil::test::DaemonProcess daemon(dir.file("vigil.yaml"), socket, dir.file("vigild.log"));
    INFO(vigil::test::read_file(dir.file("vigild.log")));
    REQUIRE(daemon.started());
    const auto text = vigil::test::run_vigil({"status", "--socket", socket});
    INFO(text.err);
    CHECK(text.exit_code == 0);
    CHECK(text.out.find(" (admin)\n") != std::string::npos);
    if (::geteuid() == 0) CHECK(text.out.find("you:        root (admin)") != std::string::npos);
    CHECK(text.out.find("data dir:   " + dir.file("data")) != std::string::npos);
    const auto as_json = vigil::test::run_vigil({"status", "--socket", socket, "--json"});
    CHECK(as_json.exit_code == 0);
    CHECK(nlohmann::json::parse(as_json.out)["rules"]["loaded"].get<int>() > 0);
    CHECK(daemon.stop() == 0);
  }
  const auto down = vigil::test::run_vigil({"status", "--socket", socket});
  CHECK(down.exit_code == 1);
  CHECK(down.err.find("cannot reach vigild at " + socket) != std::string::npos);
  CHECK(down.err.find("is the daemon running?") != std::string::npos);
}
