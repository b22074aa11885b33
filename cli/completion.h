// `vigil completion bash|zsh|fish`: a shell completion script generated from the command tree itself
// (every subcommand, option and fixed choice such as --lang en|vi), so it never falls behind the CLI.
// Thread contract: main thread; reads the finished CLI::App tree when the command runs.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace vigil::cli {

// The script for `shell` ("bash", "zsh" or "fish") completing every command under `root`.
std::string completion_script(const CLI::App& root, const std::string& shell);

// Registers `vigil completion`; must be given the root app (the tree it walks).
void add_completion_command(CLI::App& app, int& exit_code);

}  // namespace vigil::cli
