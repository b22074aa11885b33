#include "completion.h"

#include <iostream>
#include <memory>
#include <sstream>
#include <vector>

#include "exit_codes.h"

namespace vigil::cli {

namespace {

struct OptionSpec {
  std::vector<std::string> names;  // "--lang", "-v"
  bool takes_value = false;
  std::vector<std::string> choices;  // from an IsMember check: "{en,vi}" in the type name
  std::string description;
};

struct CommandSpec {
  std::string path;  // "vigil rules lint": what the shell functions key on
  std::vector<std::pair<std::string, std::string>> subcommands;  // name, description
  std::vector<OptionSpec> options;
};

std::vector<std::string> choices_of(const CLI::Option& option) {
  const std::string type = option.get_type_name();
  const size_t open = type.find('{');
  const size_t close = type.find('}', open);
  if (open == std::string::npos || close == std::string::npos) return {};
  std::vector<std::string> choices;
  std::stringstream list(type.substr(open + 1, close - open - 1));
  for (std::string choice; std::getline(list, choice, ',');) {
    if (!choice.empty()) choices.push_back(choice);
  }
  return choices;
}

void collect(const CLI::App& app, const std::string& path, std::vector<CommandSpec>& out) {
  CommandSpec command{path, {}, {}};
  for (const CLI::Option* option : app.get_options()) {
    if (!option->nonpositional()) continue;  // positionals are files: the shell's default
    OptionSpec spec;
    for (const auto& name : option->get_lnames()) spec.names.push_back("--" + name);
    for (const auto& name : option->get_snames()) spec.names.push_back("-" + name);
    spec.takes_value = option->get_type_size_max() > 0;
    if (spec.takes_value) spec.choices = choices_of(*option);
    spec.description = option->get_description();
    command.options.push_back(std::move(spec));
  }
  const auto subcommands = app.get_subcommands([](const CLI::App* sub) { return !sub->get_name().empty(); });
  for (const CLI::App* sub : subcommands) command.subcommands.emplace_back(sub->get_name(), sub->get_description());
  out.push_back(std::move(command));
  for (const CLI::App* sub : subcommands) collect(*sub, path + " " + sub->get_name(), out);
}

// A shell word in single quotes (bash, zsh).
std::string sh_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// A fish word in single quotes: backslash and quote are escaped.
std::string fish_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\\' || c == '\'') quoted += '\\';
    quoted += c;
  }
  return quoted + "'";
}

std::string joined(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& word : words) text += (text.empty() ? "" : " ") + word;
  return text;
}

// The lookup functions bash and zsh share: plain POSIX `case`, so both shells read them the same way.
void write_lookup_functions(std::ostream& out, const std::vector<CommandSpec>& commands) {
  out << "_vigil_subcommands() {\n  case \"$1\" in\n";
  for (const auto& command : commands) {
    std::vector<std::string> names;
    for (const auto& [name, description] : command.subcommands) names.push_back(name);
    if (!names.empty()) out << "    " << sh_quote(command.path) << ") echo " << sh_quote(joined(names)) << " ;;\n";
  }
  out << "  esac\n}\n\n";

  out << "_vigil_options() {\n  case \"$1\" in\n";
  for (const auto& command : commands) {
    std::vector<std::string> names;
    for (const auto& option : command.options) names.insert(names.end(), option.names.begin(), option.names.end());
    if (!names.empty()) out << "    " << sh_quote(command.path) << ") echo " << sh_quote(joined(names)) << " ;;\n";
  }
  out << "  esac\n}\n\n";

  out << "# \"PATH OPTION\": succeeds when the option takes a value and prints its fixed choices, if any.\n"
         "_vigil_value_choices() {\n  case \"$1\" in\n";
  for (const auto& command : commands) {
    for (const auto& option : command.options) {
      if (!option.takes_value) continue;
      std::vector<std::string> keys;
      for (const auto& name : option.names) keys.push_back(sh_quote(command.path + " " + name));
      std::string pattern;
      for (const auto& key : keys) pattern += (pattern.empty() ? "" : "|") + key;
      out << "    " << pattern << ") echo " << sh_quote(joined(option.choices)) << " ;;\n";
    }
  }
  out << "    *) return 1 ;;\n  esac\n}\n\n";

  out << "# The command path (\"vigil rules lint\") the words typed so far lead to.\n"
         "_vigil_command_path() {\n"
         "  local cmdpath=vigil word sub skip=0\n"
         "  for word in \"$@\"; do\n"
         "    if [ \"$skip\" = 1 ]; then skip=0; continue; fi\n"
         "    case \"$word\" in\n"
         "      -*=*) ;;\n"
         "      -*) if _vigil_value_choices \"$cmdpath $word\" >/dev/null; then skip=1; fi ;;\n"
         "      *) for sub in $(_vigil_subcommands \"$cmdpath\"); do\n"
         "           if [ \"$sub\" = \"$word\" ]; then cmdpath=\"$cmdpath $word\"; break; fi\n"
         "         done ;;\n"
         "    esac\n"
         "  done\n"
         "  echo \"$cmdpath\"\n"
         "}\n\n";
}

std::string bash_script(const std::vector<CommandSpec>& commands) {
  std::ostringstream out;
  out << "# bash completion for vigil, generated by `vigil completion bash` from the command tree.\n"
         "# Install: vigil completion bash > /etc/bash_completion.d/vigil\n"
         "#      or: source <(vigil completion bash)   in ~/.bashrc\n\n";
  write_lookup_functions(out, commands);
  out << "_vigil() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmdpath choices\n"
         "  cmdpath=$(_vigil_command_path \"${COMP_WORDS[@]:1:COMP_CWORD-1}\")\n"
         "  COMPREPLY=()\n"
         "  if [ \"$COMP_CWORD\" -gt 1 ] && [[ $prev == -* ]] && choices=$(_vigil_value_choices \"$cmdpath $prev\"); then\n"
         "    # A value: its fixed choices, or (none given) the shell's file names.\n"
         "    [ -n \"$choices\" ] && COMPREPLY=($(compgen -W \"$choices\" -- \"$cur\"))\n"
         "    return 0\n"
         "  fi\n"
         "  if [[ $cur == -* ]]; then\n"
         "    COMPREPLY=($(compgen -W \"$(_vigil_options \"$cmdpath\")\" -- \"$cur\"))\n"
         "  else\n"
         "    COMPREPLY=($(compgen -W \"$(_vigil_subcommands \"$cmdpath\")\" -- \"$cur\"))\n"
         "  fi\n"
         "  return 0\n"
         "}\n"
         "complete -o default -F _vigil vigil\n";
  return out.str();
}

std::string zsh_script(const std::vector<CommandSpec>& commands) {
  std::ostringstream out;
  out << "#compdef vigil\n"
         "# zsh completion for vigil, generated by `vigil completion zsh` from the command tree.\n"
         "# Install: vigil completion zsh > \"${fpath[1]}/_vigil\"   (then start a new shell)\n"
         "#      or: source <(vigil completion zsh)   in ~/.zshrc, after compinit\n\n";
  write_lookup_functions(out, commands);
  // zsh shows descriptions: "name:description" lines for _describe.
  out << "_vigil_described() {\n  case \"$1\" in\n";
  for (const auto& command : commands) {
    std::string lines;
    for (const auto& [name, description] : command.subcommands) lines += name + ":" + description + "\n";
    if (!lines.empty()) out << "    " << sh_quote(command.path) << ") printf '%s' " << sh_quote(lines) << " ;;\n";
  }
  out << "  esac\n}\n\n";
  out << "_vigil() {\n"
         "  local cmdpath prev choices\n"
         "  local -a described\n"
         "  cmdpath=$(_vigil_command_path \"${(@)words[2,CURRENT-1]}\")\n"
         "  prev=${words[CURRENT-1]}\n"
         "  if (( CURRENT > 2 )) && [[ $prev == -* ]] && choices=$(_vigil_value_choices \"$cmdpath $prev\"); then\n"
         "    if [[ -n $choices ]]; then compadd -- ${=choices}; else _files; fi\n"
         "    return\n"
         "  fi\n"
         "  if [[ $PREFIX == -* ]]; then\n"
         "    compadd -- ${=$(_vigil_options \"$cmdpath\")}\n"
         "    return\n"
         "  fi\n"
         "  described=(\"${(@f)$(_vigil_described \"$cmdpath\")}\")\n"
         "  if [[ -n ${described[1]} ]]; then _describe command described; else _files; fi\n"
         "}\n\n"
         "if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then _vigil \"$@\"; else compdef _vigil vigil; fi\n";
  return out.str();
}

std::string fish_script(const std::vector<CommandSpec>& commands) {
  std::ostringstream out;
  out << "# fish completion for vigil, generated by `vigil completion fish` from the command tree.\n"
         "# Install: vigil completion fish > ~/.config/fish/completions/vigil.fish\n\n";
  std::vector<std::string> paths;
  std::vector<std::string> valued;
  for (const auto& command : commands) {
    for (const auto& [name, description] : command.subcommands) paths.push_back(fish_quote(command.path + " " + name));
    for (const auto& option : command.options) {
      if (!option.takes_value) continue;
      for (const auto& name : option.names) valued.push_back(fish_quote(command.path + " " + name));
    }
  }
  out << "set -g __vigil_commands " << joined(paths) << "\n";
  out << "set -g __vigil_valued_options " << joined(valued) << "\n\n";
  out << "# The command path (\"vigil rules lint\") the words typed so far lead to.\n"
         "function __vigil_path\n"
         "    set -l cmdpath vigil\n"
         "    set -l skip 0\n"
         "    for word in (commandline -opc)[2..-1]\n"
         "        if test $skip = 1\n"
         "            set skip 0\n"
         "        else if contains -- \"$cmdpath $word\" $__vigil_commands\n"
         "            set cmdpath \"$cmdpath $word\"\n"
         "        else if contains -- \"$cmdpath $word\" $__vigil_valued_options\n"
         "            set skip 1\n"
         "        end\n"
         "    end\n"
         "    echo $cmdpath\n"
         "end\n\n";
  for (const auto& command : commands) {
    const std::string condition = "-n " + fish_quote("test (__vigil_path) = " + fish_quote(command.path));
    for (const auto& [name, description] : command.subcommands) {
      out << "complete -c vigil " << condition << " -f -a " << fish_quote(name) << " -d " << fish_quote(description)
          << "\n";
    }
    for (const auto& option : command.options) {
      out << "complete -c vigil " << condition;
      for (const auto& name : option.names) out << (name.starts_with("--") ? " -l " + name.substr(2) : " -s " + name.substr(1));
      if (!option.choices.empty()) {
        out << " -x -a " << fish_quote(joined(option.choices));
      } else if (option.takes_value) {
        out << " -r";
      }
      out << " -d " << fish_quote(option.description) << "\n";
    }
  }
  return out.str();
}

}  // namespace

std::string completion_script(const CLI::App& root, const std::string& shell) {
  std::vector<CommandSpec> commands;
  collect(root, "vigil", commands);
  if (shell == "zsh") return zsh_script(commands);
  if (shell == "fish") return fish_script(commands);
  return bash_script(commands);
}

void add_completion_command(CLI::App& app, int& exit_code) {
  auto shell = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("completion", "Print a shell completion script (bash, zsh or fish)");
  cmd->add_option("shell", *shell, "The shell to complete in")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
  cmd->footer(
      "The script is made from vigil's own command tree: every command, option and fixed choice\n"
      "(such as --lang en|vi) of this version.\n\n"
      "Examples:\n"
      "  source <(vigil completion bash)                                  # this bash session\n"
      "  vigil completion bash > /etc/bash_completion.d/vigil             # every bash session\n"
      "  vigil completion zsh > \"${fpath[1]}/_vigil\"                      # zsh (then a new shell)\n"
      "  vigil completion fish > ~/.config/fish/completions/vigil.fish    # fish\n\n"
      "Exit codes: 0 printed, 2 unknown shell.");
  CLI::App* root = &app;
  cmd->callback([root, shell, &exit_code] {
    std::cout << completion_script(*root, *shell);
    exit_code = kExitOk;
  });
}

}  // namespace vigil::cli
