// Test helpers for live capture: two network namespaces joined by a veth pair, made with
// iproute2 and removed (with the veth) when the object goes, also when a test fails; and a
// scope that puts the calling thread in a namespace, so sockets and captures opened there
// belong to it. Needs root.
// Thread contract: test code, one thread.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace vigil::sensors::test {

inline bool run_quiet(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

class VethPair {
 public:
  // Namespaces "vigil-<pid>-a" and "-b"; interfaces "vg<pid>a" in a and "vg<pid>b" in b (at most
  // 10 characters: within IFNAMSIZ), addressed 10.199.0.1/24 and 10.199.0.2/24.
  VethPair() {
    const std::string id = std::to_string(::getpid());
    ns_a_ = "vigil-" + id + "-a";
    ns_b_ = "vigil-" + id + "-b";
    if_a_ = "vg" + id + "a";
    if_b_ = "vg" + id + "b";
    remove();
    remove_stale();
    const std::string steps[] = {
        "ip netns add " + ns_a_,
        "ip netns add " + ns_b_,
        "ip link add " + if_a_ + " type veth peer name " + if_b_,
        "ip link set " + if_a_ + " netns " + ns_a_,
        "ip link set " + if_b_ + " netns " + ns_b_,
        "ip -n " + ns_a_ + " addr add " + addr_a() + "/24 dev " + if_a_,
        "ip -n " + ns_b_ + " addr add " + addr_b() + "/24 dev " + if_b_,
        "ip -n " + ns_a_ + " link set lo up",
        "ip -n " + ns_b_ + " link set lo up",
        "ip -n " + ns_a_ + " link set " + if_a_ + " up",
        "ip -n " + ns_b_ + " link set " + if_b_ + " up",
    };
    for (const auto& step : steps) {
      if (!run_quiet(step)) {
        error_ = "failed: " + step;
        return;
      }
    }
  }
  ~VethPair() { remove(); }
  VethPair(const VethPair&) = delete;
  VethPair& operator=(const VethPair&) = delete;

  const std::string& error() const { return error_; }  // empty when the pair is up
  const std::string& ns_a() const { return ns_a_; }
  const std::string& ns_b() const { return ns_b_; }
  const std::string& if_a() const { return if_a_; }
  const std::string& if_b() const { return if_b_; }
  static std::string addr_a() { return "10.199.0.1"; }
  static std::string addr_b() { return "10.199.0.2"; }

 private:
  void remove() {
    // Deleting a namespace deletes the veth end in it, and with it the peer.
    run_quiet("ip netns del " + ns_a_);
    run_quiet("ip netns del " + ns_b_);
    run_quiet("ip link del " + if_a_);
  }
  // Namespaces left by a test process that died (a crash skips destructors): their pid is gone.
  static void remove_stale() {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/var/run/netns", ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("vigil-", 0) != 0) continue;
      const std::string pid = name.substr(6, name.find('-', 6) - 6);
      if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
      if (!std::filesystem::exists("/proc/" + pid)) run_quiet("ip netns del " + name);
    }
  }
  std::string ns_a_, ns_b_, if_a_, if_b_, error_;
};

// Puts this thread into network namespace `name` until the scope ends.
class InNetns {
 public:
  explicit InNetns(const std::string& name) {
    home_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    const int target = ::open(("/var/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    const bool entered = home_ >= 0 && target >= 0 && ::setns(target, CLONE_NEWNET) == 0;
    if (target >= 0) ::close(target);
    if (!entered) throw std::runtime_error("cannot enter network namespace " + name);
  }
  ~InNetns() {
    if (::setns(home_, CLONE_NEWNET) != 0) std::abort();  // a test left in the wrong namespace would lie
    ::close(home_);
  }
  InNetns(const InNetns&) = delete;
  InNetns& operator=(const InNetns&) = delete;

 private:
  int home_ = -1;
};

}  // namespace vigil::sensors::test
