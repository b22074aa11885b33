// Runs a program and captures its exit code, stdout and stderr: how the CLI tests use `vigil`.
#pragma once

#include <string>
#include <vector>

namespace vigil::test {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

CommandResult run_command(const std::vector<std::string>& args);
// run_command({VIGIL_CLI, args...})
CommandResult run_vigil(std::vector<std::string> args);

// A fresh directory under the system temp dir, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::vector<std::string> split_lines(const std::string& text);
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);

}  // namespace vigil::test
