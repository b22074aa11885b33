// Test helpers for the daemon: a running `vigild` child process (stopped with SIGTERM when the object
// goes), a line client for its control socket, and a call made from a child process that switched to
// another uid, so role checks see a real unprivileged peer.
// Thread contract: test code, one thread.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vigil::test {

class DaemonProcess {
 public:
  // Starts `vigild --config config`, stderr to `log`, and waits (generous deadline) until `socket` answers
  // or the process exits; started() says which.
  DaemonProcess(const std::string& config, const std::string& socket, const std::string& log);
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  bool started() const { return started_; }
  pid_t pid() const { return pid_; }
  void signal(int sig) const;
  // Sends SIGTERM and waits; the exit code (128 + signal when killed).
  int stop();

 private:
  pid_t pid_ = -1;
  bool started_ = false;
  std::optional<int> exit_code_;
};

class ControlClient {
 public:
  explicit ControlClient(const std::string& socket);
  ~ControlClient();
  ControlClient(const ControlClient&) = delete;
  ControlClient& operator=(const ControlClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  void send_raw(const std::string& bytes);
  // The next line from the daemon; nullopt when it closed the connection or 30 s passed.
  std::optional<std::string> read_line();
  // {"jsonrpc":"2.0","id":N,"method":...,"params":...} and its reply, parsed (null on no reply).
  nlohmann::json call(const std::string& method, nlohmann::json params = nlohmann::json::object());

 private:
  int fd_ = -1;
  int next_id_ = 1;
  std::string buffer_;
};

// In a forked child that switched to uid/gid: connects, sends each line, collects each reply line.
std::vector<nlohmann::json> call_as(uid_t uid, gid_t gid, const std::string& socket,
                                    const std::vector<nlohmann::json>& requests);

nlohmann::json request(int id, const std::string& method, nlohmann::json params = nlohmann::json::object());

}  // namespace vigil::test
