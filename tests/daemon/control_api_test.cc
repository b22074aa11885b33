// The control API end to end: a real vigild on a data dir filled by `vigil replay`, called over its Unix
// socket as root (admin) and, from forked children that dropped to other uids, as the mapped roles.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "daemon_harness.h"
#include "run_command.h"

using nlohmann::json;
using vigil::test::call_as;
using vigil::test::ControlClient;
using vigil::test::DaemonProcess;
using vigil::test::request;

namespace {

constexpr uid_t kAuditorUid = 65534;    // nobody
constexpr uid_t kResponderUid = 65532;
constexpr uid_t kUnmappedUid = 65531;
constexpr uid_t kLiaisonUid = 65530;

// A data dir with the sample's incidents, rules of its own (so a test can break them), and a config.
struct DaemonFixture {
  DaemonFixture() {
    std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));  // the other uids reach the socket
    std::filesystem::create_directories(dir.file("rules"));
    std::filesystem::copy_file(VIGIL_SOURCE_DIR "/config/rules/vigil.rules", dir.file("rules/vigil.rules"));
    const auto replay = vigil::test::run_vigil({"replay", "--data-dir", data_dir(), "--rules", dir.file("rules"),
                                                "--correlation", VIGIL_SOURCE_DIR "/config/correlation",
                                                VIGIL_SOURCE_DIR "/samples/sample.pcap"});
    INFO(replay.err);
    REQUIRE(replay.exit_code == 0);
    vigil::test::write_file(config(),
                            "data_dir: data\n"
                            "rules: {paths: [rules]}\n"
                            "correlation: {paths: [" VIGIL_SOURCE_DIR "/config/correlation]}\n"
                            "control:\n"
                            "  socket: control.sock\n"
                            "  socket_mode: 0666\n"
                            "  max_line_bytes: 4096\n"
                            "  roles:\n"
                            // Whoever runs the tests is admin (root is anyway; CI may not be root).
                            "    - {uid: " + std::to_string(::geteuid()) + ", role: admin}\n"
                            "    - {uid: 65534, role: auditor}\n"
                            "    - {uid: 65532, role: responder}\n"
                            "    - {uid: 65530, role: liaison}\n");
  }
  std::string data_dir() const { return dir.file("data"); }
  std::string config() const { return dir.file("vigil.yaml"); }
  std::string socket() const { return dir.file("control.sock"); }
  std::string log() const { return dir.file("vigild.log"); }

  vigil::test::TempDir dir;
};

std::string first_new_incident(ControlClient& client) {
  const json reply = client.call("incidents.list", {{"state", "new"}, {"limit", 1}});
  REQUIRE(reply.contains("result"));
  REQUIRE_FALSE(reply["result"]["incidents"].empty());
  return reply["result"]["incidents"][0]["id"].get<std::string>();
}

std::string error_message(const json& reply) {
  return reply.contains("error") ? reply["error"]["message"].get<std::string>() : std::string();
}

}  // namespace

TEST_CASE("control API: the admin (root) works an incident, every change is in the audit chain",
          "[daemon][control][integration]") {
  DaemonFixture f;
  DaemonProcess daemon(f.config(), f.socket(), f.log());
  INFO(vigil::test::read_file(f.log()));
  REQUIRE(daemon.started());
  ControlClient client(f.socket());
  REQUIRE(client.connected());

  const json status = client.call("status");
  CHECK(status["result"]["caller"]["role"] == "admin");
  const std::string me = status["result"]["caller"]["user"].get<std::string>();
  if (::geteuid() == 0) CHECK(me == "root");
  CHECK(status["result"]["rules"]["loaded"].get<int>() > 0);

  const std::string id = first_new_incident(client);
  const json acked = client.call("incidents.ack", {{"id", id}});
  INFO(acked.dump());
  CHECK(acked["result"]["state"] == "acknowledged");
  CHECK(client.call("incidents.assign", {{"id", id}, {"assignee", "lan"}})["result"]["assignee"] == "lan");
  CHECK(client.call("incidents.note", {{"id", id}, {"text", "blocked at the edge"}}).contains("result"));
  const int layer = acked["result"]["layer"].get<int>();
  REQUIRE(layer < 4);
  const json escalated = client.call("incidents.escalate", {{"id", id}, {"reason", "needs the next layer"}});
  CHECK(escalated["result"]["layer"] == layer + 1);
  const json resolved = client.call("incidents.resolve", {{"id", id}, {"resolution", "true_positive"}});
  CHECK(resolved["result"]["state"] == "resolved");

  // A refused transition changes nothing and is not audited.
  const json refused = client.call("incidents.transition", {{"id", id}, {"state", "new"}});
  CHECK(refused["error"]["code"] == -32003);
  CHECK(client.call("incidents.get", {{"id", "INC-999999"}})["error"]["code"] == -32002);
  CHECK(client.call("incidents.ack", {})["error"]["code"] == -32602);

  const json stored = client.call("incidents.get", {{"id", id}});
  CHECK(stored["result"]["state"] == "resolved");
  CHECK(stored["result"]["assignee"] == "lan");

  const json audit = client.call("audit.list");
  const json& entries = audit["result"]["entries"];
  REQUIRE(entries.size() == 5);
  const char* methods[] = {"incidents.ack", "incidents.assign", "incidents.note", "incidents.escalate",
                           "incidents.resolve"};
  for (size_t i = 0; i < 5; ++i) {
    CHECK(entries[i]["action"] == methods[i]);
    CHECK(entries[i]["actor"] == me);
    CHECK(entries[i]["detail"]["role"] == "admin");
    CHECK(entries[i]["detail"]["params"]["id"] == id);
    CHECK_FALSE(entries[i]["time"].get<std::string>().empty());
  }
  CHECK(entries[1]["detail"]["params"]["assignee"] == "lan");
  CHECK(client.call("audit.verify")["result"]["intact"] == true);
  CHECK(daemon.stop() == 0);
}

TEST_CASE("control API: unprivileged callers get their mapped role and are refused the rest",
          "[daemon][control][roles][integration]") {
  if (::geteuid() != 0) {
    WARN("switching to other uids needs root (CI runs as root): skipped");
    return;
  }
  DaemonFixture f;
  DaemonProcess daemon(f.config(), f.socket(), f.log());
  INFO(vigil::test::read_file(f.log()));
  REQUIRE(daemon.started());
  std::string id;
  {
    ControlClient root(f.socket());
    id = first_new_incident(root);
  }

  const auto auditor = call_as(kAuditorUid, kAuditorUid, f.socket(),
                               {request(1, "status"), request(2, "incidents.list"),
                                request(3, "incidents.ack", {{"id", id}}), request(4, "audit.verify"),
                                request(5, "rules.reload")});
  REQUIRE(auditor.size() == 5);
  CHECK(auditor[0]["result"]["caller"]["role"] == "auditor");
  CHECK_FALSE(auditor[1]["result"]["incidents"].empty());
  CHECK(auditor[2]["error"]["code"] == -32001);
  CHECK(error_message(auditor[2]).find("needs the role responder or admin") != std::string::npos);
  CHECK(auditor[3]["result"]["intact"] == true);
  CHECK(error_message(auditor[4]).find("needs the role admin") != std::string::npos);

  const auto responder = call_as(kResponderUid, kResponderUid, f.socket(),
                                 {request(1, "incidents.ack", {{"id", id}}), request(2, "audit.list"),
                                  request(3, "rules.reload")});
  REQUIRE(responder.size() == 3);
  CHECK(responder[0]["result"]["state"] == "acknowledged");
  CHECK(responder[1]["error"]["code"] == -32001);
  CHECK(responder[2]["error"]["code"] == -32001);

  const auto liaison = call_as(kLiaisonUid, kLiaisonUid, f.socket(),
                               {request(1, "incidents.get", {{"id", id}}), request(2, "incidents.assign", {{"id", id}, {"assignee", "x"}}),
                                request(3, "incidents.report_sent", {{"id", id}, {"full", "yes"}, {"receipt", "r"}})});
  REQUIRE(liaison.size() == 3);
  CHECK(liaison[0]["result"]["id"] == id);
  CHECK(liaison[1]["error"]["code"] == -32001);
  CHECK(liaison[2]["error"]["code"] == -32602);  // allowed, but 'full' must be a boolean

  const auto stranger = call_as(kUnmappedUid, kUnmappedUid, f.socket(), {request(1, "status")});
  REQUIRE(stranger.size() == 1);
  CHECK(error_message(stranger[0]).find("has no role") != std::string::npos);

  // Only the responder's change was made, and it is recorded under that user.
  ControlClient root(f.socket());
  const json entries = root.call("audit.list")["result"]["entries"];
  REQUIRE(entries.size() == 1);
  CHECK(entries[0]["action"] == "incidents.ack");
  CHECK(entries[0]["detail"]["uid"] == kResponderUid);
  CHECK(entries[0]["detail"]["role"] == "responder");
  CHECK(daemon.stop() == 0);
}

TEST_CASE("control API: malformed, oversized and abandoned requests get errors and the daemon keeps serving",
          "[daemon][control][integration]") {
  DaemonFixture f;
  DaemonProcess daemon(f.config(), f.socket(), f.log());
  INFO(vigil::test::read_file(f.log()));
  REQUIRE(daemon.started());
  {
    ControlClient client(f.socket());
    client.send_raw("this is not json\n");
    CHECK(json::parse(client.read_line().value_or("{}"))["error"]["code"] == -32700);
    client.send_raw("[1,2]\n");
    CHECK(json::parse(client.read_line().value_or("{}"))["error"]["code"] == -32600);
    client.send_raw("{\"jsonrpc\":\"2.0\",\"id\":7}\n");
    CHECK(json::parse(client.read_line().value_or("{}"))["error"]["code"] == -32600);
    client.send_raw("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"incidents.delete\"}\n");
    CHECK(json::parse(client.read_line().value_or("{}"))["error"]["code"] == -32601);
    client.send_raw("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"status\",\"params\":[1]}\n");
    CHECK(json::parse(client.read_line().value_or("{}"))["error"]["code"] == -32602);
    // A notification (no id) gets no reply: the next line answers the request after it.
    client.send_raw("{\"jsonrpc\":\"2.0\",\"method\":\"status\"}\n{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"status\"}\n");
    CHECK(json::parse(client.read_line().value_or("{}"))["id"] == 10);
    client.send_raw("{\"jsonrpc\":\"2.0\",\"method\":\"no.such\"}\n{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"status\"}\n");
    CHECK(json::parse(client.read_line().value_or("{}"))["id"] == 11);
  }
  {
    ControlClient client(f.socket());
    client.send_raw(std::string(10'000, 'x'));
    const auto line = client.read_line();
    REQUIRE(line);
    CHECK(json::parse(*line)["error"]["message"].get<std::string>().find("longer than 4096") != std::string::npos);
    CHECK_FALSE(client.read_line());  // then the daemon closes that connection
  }
  {
    ControlClient client(f.socket());
    client.send_raw("{\"jsonrpc\":\"2.0\",\"id\":1,\"meth");  // and goes away mid-request
  }
  {
    ControlClient client(f.socket());
    client.send_raw(request(1, "incidents.list", {{"limit", 1000}}).dump() + "\n");
  }  // gone before reading a large reply
  ControlClient client(f.socket());
  CHECK(client.call("status")["result"]["caller"]["role"] == "admin");
  CHECK(daemon.stop() == 0);
}

TEST_CASE("vigild: SIGTERM exits 0 and what was changed is there after a restart", "[daemon][integration]") {
  DaemonFixture f;
  std::string id;
  {
    DaemonProcess daemon(f.config(), f.socket(), f.log());
    INFO(vigil::test::read_file(f.log()));
    REQUIRE(daemon.started());
    ControlClient client(f.socket());
    id = first_new_incident(client);
    REQUIRE(client.call("incidents.assign", {{"id", id}, {"assignee", "minh"}}).contains("result"));
    CHECK(daemon.stop() == 0);
  }
  CHECK_FALSE(std::filesystem::exists(f.socket()));
  DaemonProcess daemon(f.config(), f.socket(), f.log());
  INFO(vigil::test::read_file(f.log()));
  REQUIRE(daemon.started());
  ControlClient client(f.socket());
  CHECK(client.call("incidents.get", {{"id", id}})["result"]["assignee"] == "minh");
  CHECK(client.call("audit.list")["result"]["entries"].size() == 1);
  CHECK(client.call("alerts.list", {{"limit", 5}})["result"]["alerts"].size() == 5);
  CHECK(daemon.stop() == 0);
}

TEST_CASE("vigild: a broken rule set on reload keeps the running rules and says why",
          "[daemon][reload][integration]") {
  DaemonFixture f;
  DaemonProcess daemon(f.config(), f.socket(), f.log());
  INFO(vigil::test::read_file(f.log()));
  REQUIRE(daemon.started());
  ControlClient client(f.socket());
  const int loaded = client.call("status")["result"]["rules"]["loaded"].get<int>();

  vigil::test::write_file(f.dir.file("rules/local.rules"),
                          "alert tcp any any -> any 80 (msg:\"new\"; content:\"x\"; sid:9999901;)\n"
                          "alert tcp any any -> any 80 (msg:\"broken\"; content:\"x; sid:9999902;)\n");
  const json refused = client.call("rules.reload");
  CHECK(refused["error"]["code"] == -32005);
  CHECK(error_message(refused).find("local.rules:2") != std::string::npos);
  CHECK(client.call("status")["result"]["rules"]["loaded"] == loaded);

  // SIGHUP takes the same path; once the file is fixed the new rule is in.
  vigil::test::write_file(f.dir.file("rules/local.rules"),
                          "alert tcp any any -> any 80 (msg:\"new\"; content:\"x\"; sid:9999901;)\n");
  daemon.signal(SIGHUP);
  json rules;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    rules = client.call("status")["result"]["rules"];
  } while (rules["reloads"] == 0 && std::chrono::steady_clock::now() < deadline);
  CHECK(rules["loaded"] == loaded + 1);
  CHECK(rules["last_reload_error"] == "");

  const json entries = client.call("audit.list")["result"]["entries"];
  REQUIRE(entries.size() == 1);  // the refused rules.reload call; SIGHUP is no caller's change
  CHECK(entries[0]["action"] == "rules.reload");
  CHECK(entries[0]["detail"]["outcome"].get<std::string>().rfind("refused", 0) == 0);
  CHECK(daemon.stop() == 0);
}

TEST_CASE("vigil rules reload: new rules go live, a broken file is refused with its line and the old set stays",
          "[daemon][reload][cli][integration]") {
  DaemonFixture f;
  DaemonProcess daemon(f.config(), f.socket(), f.log());
  INFO(vigil::test::read_file(f.log()));
  REQUIRE(daemon.started());
  ControlClient client(f.socket());
  const int loaded = client.call("status")["result"]["rules"]["loaded"].get<int>();

  vigil::test::write_file(f.dir.file("rules/local.rules"),
                          "alert tcp any any -> any 80 (msg:\"new\"; content:\"x\"; sid:9999901;)\n");
  auto r = vigil::test::run_vigil({"rules", "reload", "--correlation", "--socket", f.socket()});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("signature rules reloaded: ") == 0);
  CHECK(r.out.find("correlation rules and policy reloaded: ") != std::string::npos);
  CHECK(client.call("status")["result"]["rules"]["loaded"] == loaded + 1);

  vigil::test::write_file(f.dir.file("rules/local.rules"),
                          "alert tcp any any -> any 80 (msg:\"broken\"; content:\"x; sid:9999902;)\n");
  r = vigil::test::run_vigil({"rules", "reload", "--socket", f.socket()});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("local.rules:1") != std::string::npos);
  CHECK(r.err.find("running rules stay") != std::string::npos);
  CHECK(client.call("status")["result"]["rules"]["loaded"] == loaded + 1);

  // Each call is on the audit chain with its outcome.
  const json entries = client.call("audit.list")["result"]["entries"];
  std::vector<std::string> actions;
  for (const auto& entry : entries) actions.push_back(entry["action"]);
  CHECK(actions == std::vector<std::string>{"rules.reload", "correlation.reload", "rules.reload"});
  CHECK(daemon.stop() == 0);
}

TEST_CASE("vigil admin backup while vigild holds the data dir: vigild writes the copy, audited",
          "[daemon][control][admin][integration]") {
  DaemonFixture f;
  DaemonProcess daemon(f.config(), f.socket(), f.log());
  INFO(vigil::test::read_file(f.log()));
  REQUIRE(daemon.started());
  ControlClient client(f.socket());
  // A change made through the daemon just before the backup must be in the copy.
  const std::string id = first_new_incident(client);
  REQUIRE(client.call("incidents.ack", {{"id", id}}).contains("result"));

  const std::string copy = f.dir.file("backup");
  auto r = vigil::test::run_vigil(
      {"admin", "backup", "--data-dir", f.data_dir(), "--to", copy, "--socket", f.socket()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "Backup of " + f.data_dir() + " written to " + copy + " by vigild\n");
  // The copy is a data dir of its own, sound, with the acknowledged incident and every alert.
  r = vigil::test::run_vigil({"admin", "check", "--data-dir", copy, "--json"});
  INFO(r.out);
  CHECK(r.exit_code == 0);
  r = vigil::test::run_vigil({"incidents", "list", "--data-dir", copy, "--json", "--limit", "100000"});
  std::string state_in_copy;
  for (const auto& line : vigil::test::split_lines(r.out)) {
    const json incident = json::parse(line);
    if (incident["id"] == id) state_in_copy = incident["state"].get<std::string>();
  }
  CHECK(state_in_copy == "acknowledged");
  CHECK(vigil::test::run_vigil({"alerts", "list", "--data-dir", copy, "--json", "--limit", "100000"}).out ==
        vigil::test::run_vigil({"alerts", "list", "--data-dir", f.data_dir(), "--json", "--limit", "100000"}).out);

  // An existing target is refused by the daemon, and the CLI says so.
  r = vigil::test::run_vigil({"admin", "backup", "--data-dir", f.data_dir(), "--to", copy, "--socket", f.socket()});
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("backup dir " + copy + " already exists") != std::string::npos);
  // The daemon's cwd is not the caller's, so only absolute paths; and only its own data dir.
  CHECK(client.call("admin.backup", {{"to", "relative/dir"}})["error"]["code"] == -32602);
  const json other = client.call("admin.backup", {{"to", f.dir.file("b2")}, {"data_dir", f.dir.path()}});
  CHECK(error_message(other).find("this vigild's data dir is") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(f.dir.file("b2")));

  // Both backup attempts that reached the store are in the audit chain, with their outcome.
  const json entries = client.call("audit.list")["result"]["entries"];
  REQUIRE(entries.size() == 3);
  CHECK(entries[1]["action"] == "admin.backup");
  CHECK(entries[1]["detail"]["params"]["to"] == copy);
  CHECK(entries[1]["detail"]["outcome"] == "written");
  CHECK(entries[2]["detail"]["outcome"].get<std::string>().rfind("failed: ", 0) == 0);

  // No daemon on the socket: the locked-dir error says both what is wrong and why asking failed.
  r = vigil::test::run_vigil(
      {"admin", "backup", "--data-dir", f.data_dir(), "--to", f.dir.file("b3"), "--socket", f.dir.file("none.sock")});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("is already open for writing") != std::string::npos);
  CHECK(r.err.find("cannot reach vigild at " + f.dir.file("none.sock")) != std::string::npos);
  CHECK(daemon.stop() == 0);
}

TEST_CASE("control API: admin.backup is for the admin role only", "[daemon][control][roles][integration]") {
  if (::geteuid() != 0) {
    WARN("switching to other uids needs root (CI runs as root): skipped");
    return;
  }
  DaemonFixture f;
  DaemonProcess daemon(f.config(), f.socket(), f.log());
  REQUIRE(daemon.started());
  const auto auditor = call_as(kAuditorUid, kAuditorUid, f.socket(),
                               {request(1, "admin.backup", {{"to", f.dir.file("b")}})});
  REQUIRE(auditor.size() == 1);
  CHECK(error_message(auditor[0]).find("admin.backup needs the role admin") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(f.dir.file("b")));
  CHECK(daemon.stop() == 0);
}
