// What a person at a terminal gets from `vigil`: --lang vi (and a catalogue that covers every tr()
// label in cli/), times as "5m ago", tables that fit the window without breaking Vietnamese text,
// severity colours only on a terminal, shell completion made from the command tree, and a --help with
// an example for every command. The terminal cases run the real binary under a pseudo-terminal.
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "i18n.h"
#include "run_command.h"
#include "table.h"
#include "terminal.h"
#include "time_text.h"

using vigil::test::run_command;
using vigil::test::run_vigil;
using vigil::test::split_lines;
using vigil::test::TempDir;
using vigil::test::write_file;

namespace {

const std::string kSample = VIGIL_SOURCE_DIR "/samples/sample.pcap";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Sets the language for one test and puts English back, whatever happens.
struct LanguageFor {
  explicit LanguageFor(vigil::cli::Lang language) { vigil::cli::set_lang(language); }
  ~LanguageFor() { vigil::cli::set_lang(vigil::cli::Lang::en); }
};

// Whether `text` is well-formed UTF-8 (no sequence cut in half by a table).
bool valid_utf8(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

std::string without_ansi(const std::string& text) {
  std::string plain;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
      while (i < text.size() && text[i] != 'm') ++i;
      continue;
    }
    plain += text[i];
  }
  return plain;
}

// The display column where `needle` starts in `line` (code points; these tests use no wide characters).
size_t column_of(const std::string& line, const std::string& needle) {
  const size_t byte = line.find(needle);
  REQUIRE(byte != std::string::npos);
  return vigil::cli::display_width(line.substr(0, byte));
}

// Runs a program on a pseudo-terminal of `columns` columns, as a person's shell would, with extra
// environment settings ("NAME=value", or "NAME=" to unset); returns what the terminal showed, "\r\n"
// turned back into "\n".
vigil::test::CommandResult run_on_terminal(const std::vector<std::string>& args, unsigned short columns,
                                           const std::vector<std::string>& environment = {}) {
  winsize size{};
  size.ws_row = 50;
  size.ws_col = columns;
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, &size);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::unsetenv("COLUMNS");
    ::unsetenv("NO_COLOR");
    ::unsetenv("VIGIL_LANG");
    for (const auto& setting : environment) {
      const size_t equals = setting.find('=');
      const std::string name = setting.substr(0, equals);
      const std::string value = setting.substr(equals + 1);
      if (value.empty()) ::unsetenv(name.c_str());
      else ::setenv(name.c_str(), value.c_str(), 1);
    }
    std::vector<char*> argv;
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  vigil::test::CommandResult result;
  char buffer[65536];
  while (true) {
    const ssize_t n = read(master, buffer, sizeof buffer);
    if (n <= 0) break;  // EIO once the child's side closed
    result.out.append(buffer, static_cast<size_t>(n));
  }
  close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::string cleaned;
  for (char c : result.out) {
    if (c != '\r') cleaned += c;
  }
  result.out = cleaned;
  return result;
}

// Every tr("...") argument in the cli/ sources, unescaped, with the file it is in; and every tr( call
// whose argument is not one string literal (the catalogue cannot be collected from those).
struct TrCalls {
  std::vector<std::pair<std::string, std::string>> literals;  // text, file
  std::vector<std::string> not_literal;                       // "file: tr(name"
};

TrCalls collect_tr_calls() {
  TrCalls calls;
  for (const auto& entry : std::filesystem::directory_iterator(VIGIL_SOURCE_DIR "/cli")) {
    const std::string file = entry.path().filename().string();
    const std::string extension = entry.path().extension().string();
    if ((extension != ".cc" && extension != ".h") || file.starts_with("i18n.")) continue;
    std::ifstream in(entry.path());
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string source = buffer.str();
    for (size_t at = source.find("tr("); at != std::string::npos; at = source.find("tr(", at + 3)) {
      const char before = at == 0 ? ' ' : source[at - 1];
      if (std::isalnum(static_cast<unsigned char>(before)) || before == '_' || before == '.') continue;  // str(, x.tr(
      size_t pos = at + 3;
      while (pos < source.size() && std::isspace(static_cast<unsigned char>(source[pos]))) ++pos;
      if (pos < source.size() && source[pos] == ')') continue;  // "tr()" in a comment
      if (pos >= source.size() || source[pos] != '"') {
        calls.not_literal.push_back(file + ": " + source.substr(at, source.find('\n', at) - at));
        continue;
      }
      std::string text;
      for (++pos; pos < source.size() && source[pos] != '"'; ++pos) {
        if (source[pos] == '\\' && pos + 1 < source.size()) {
          ++pos;
          text += source[pos] == 'n' ? '\n' : source[pos] == 't' ? '\t' : source[pos];
        } else {
          text += source[pos];
        }
      }
      calls.literals.emplace_back(text, file);
    }
  }
  return calls;
}

// A rule whose message is Vietnamese, so cutting it shows whether a table splits a multi-byte letter.
const std::string kVietnameseRule =
    "alert tcp any any -> any any (msg:\"Tấn công dò quét mật khẩu SSH từ mạng ngoài vào cổng thông tin điện tử "
    "của tỉnh\"; flow:to_server; content:\"SSH-\"; depth:4; sid:7000001; rev:1;)\n";

// The command paths under `vigil` ("rules lint", ...), read from the "Subcommands:" part of each --help.
void walk_commands(const std::string& path, std::vector<std::string>& out) {
  std::vector<std::string> args = {VIGIL_CLI};
  std::istringstream words(path);
  for (std::string word; words >> word;) args.push_back(word);
  args.push_back("--help");
  const auto help = run_command(args);
  bool in_subcommands = false;
  for (const auto& line : split_lines(help.out)) {
    if (line == "Subcommands:") {
      in_subcommands = true;
      continue;
    }
    if (!in_subcommands) continue;
    if (line.empty()) break;
    if (line.size() < 3 || line[0] != ' ' || line[1] != ' ' || line[2] == ' ') continue;  // a wrapped description
    const std::string name = line.substr(2, line.find(' ', 2) - 2);
    const std::string sub = path.empty() ? name : path + " " + name;
    out.push_back(sub);
    walk_commands(sub, out);
  }
}

}  // namespace

TEST_CASE("every tr() label in cli/ has a Vietnamese translation and is a plain literal", "[cli][i18n]") {
  const TrCalls calls = collect_tr_calls();
  REQUIRE(calls.literals.size() > 20);  // the scan found the labels (status, tables, ...)
  std::string untranslated;
  for (const auto& [text, file] : calls.literals) {
    if (!vigil::cli::has_translation(text)) untranslated += "  " + file + ": tr(\"" + text + "\")\n";
  }
  INFO("Labels without a Vietnamese entry in cli/i18n.cc:\n" << untranslated);
  CHECK(untranslated.empty());
  std::string not_literal;
  for (const auto& call : calls.not_literal) not_literal += "  " + call + "\n";
  INFO("tr() must be given one string literal (the catalogue is collected from the sources):\n" << not_literal);
  CHECK(not_literal.empty());

  // Each English key once in the catalogue: with two entries only one of them would ever be shown.
  std::ifstream catalogue_file(VIGIL_SOURCE_DIR "/cli/i18n.cc");
  std::stringstream catalogue;
  catalogue << catalogue_file.rdbuf();
  std::map<std::string, int> keys;
  for (const auto& line : split_lines(catalogue.str())) {
    if (line.starts_with("    {\"")) ++keys[line.substr(5, line.find('"', 6) - 5)];
  }
  REQUIRE(keys.size() > 100);
  for (const auto& [key, count] : keys) {
    INFO("catalogue key: " << key);
    CHECK(count == 1);
  }

  LanguageFor vietnamese(vigil::cli::Lang::vi);
  CHECK(vigil::cli::tr("SEVERITY") == "MỨC ĐỘ");
  CHECK(vigil::cli::tr("STATE") == "TRẠNG THÁI");
  CHECK(vigil::cli::tr("no label anyone wrote") == "no label anyone wrote");  // unknown: unchanged
}

TEST_CASE("when_text says how long ago or how soon, in English and Vietnamese, and the date beyond a week",
          "[cli][i18n]") {
  ::setenv("TZ", "ICT-7", 1);  // Indochina Time, the SOC's wall clock: absolute times are local
  ::tzset();
  using vigil::seconds;
  const vigil::Timestamp now = 1772413200LL * 1'000'000;  // 2026-03-02T01:00:00Z = 08:00 in Hanoi
  CHECK(vigil::cli::when_text(now, now) == "just now");
  CHECK(vigil::cli::when_text(now - seconds(45), now) == "45s ago");
  CHECK(vigil::cli::when_text(now - seconds(5 * 60 + 59), now) == "5m ago");
  CHECK(vigil::cli::when_text(now - seconds(3 * 3600), now) == "3h ago");
  CHECK(vigil::cli::when_text(now - seconds(2 * 86400 + 7200), now) == "2d ago");
  CHECK(vigil::cli::when_text(now + seconds(3 * 3600), now) == "in 3h");
  CHECK(vigil::cli::when_text(now - seconds(8 * 86400), now) == "2026-02-22");
  CHECK(vigil::cli::table_time(now) == "2026-03-02 08:00:00");
  {
    LanguageFor vietnamese(vigil::cli::Lang::vi);
    CHECK(vigil::cli::when_text(now - seconds(5 * 60), now) == "5 phút trước");
    CHECK(vigil::cli::when_text(now + seconds(3 * 3600), now) == "3 giờ nữa");
    CHECK(vigil::cli::when_text(now - seconds(2 * 86400), now) == "2 ngày trước");
    CHECK(vigil::cli::when_text(now, now) == "vừa xong");
  }
  ::unsetenv("TZ");
  ::tzset();
}

TEST_CASE("a table cut to a width keeps whole letters, ids and alignment, and colour adds no width", "[cli][table]") {
  vigil::cli::Table table({"ID", "SEVERITY", "TITLE"});
  table.set_severity_column(1);
  table.add_row({"INC-000001", "critical", "Tấn công dò quét mật khẩu SSH từ mạng ngoài vào cổng thông tin"});
  table.add_row({"INC-000002", "low", "Quét cổng"});
  // Decomposed tone marks (NFD) take no column of their own.
  table.add_row({"INC-000003", "medium", "Tie\xcc\x82\xcc\x81ng Vie\xcc\xa3\xcc\x82t"});

  std::ostringstream whole;
  table.print(whole, 0, false);
  CHECK(contains(whole.str(), "cổng thông tin\n"));  // no limit: nothing cut

  std::ostringstream cut;
  table.print(cut, 40, false);
  const auto lines = split_lines(cut.str());
  REQUIRE(lines.size() == 4);
  for (const auto& line : lines) {
    INFO(line);
    CHECK(valid_utf8(line));
    CHECK(vigil::cli::display_width(line) <= 40);
  }
  CHECK(contains(lines[1], "INC-000001  critical  Tấn công dò quét…"));  // ids whole, title cut, "…"
  CHECK(column_of(lines[0], "TITLE") == column_of(lines[3], "Tie"));

  // Labels padded by display width line up whatever their bytes.
  CHECK(vigil::cli::pad_right("mức độ:", 18) + "|" == "mức độ:           |");
  CHECK(vigil::cli::pad_right("state:", 18) + "|" == "state:            |");
  CHECK(vigil::cli::pad_right("người phụ trách:", 10) == "người phụ trách:");

  std::ostringstream coloured;
  table.print(coloured, 40, true);
  CHECK(contains(coloured.str(), "\x1b[1;31mcritical\x1b[0m"));  // critical: bold red
  CHECK(contains(coloured.str(), "\x1b[33mmedium\x1b[0m"));      // medium: yellow
  CHECK(without_ansi(coloured.str()) == cut.str());              // same layout as without colour
}

TEST_CASE("vigil --lang vi prints Vietnamese headers and labels, --json stays English", "[cli][i18n]") {
  TempDir dir;
  write_file(dir.file("vi.rules"), kVietnameseRule);
  const std::vector<std::string> test_args = {"rules", "test", "--rules", dir.file("vi.rules"), "--pcap", kSample};

  std::vector<std::string> args = {"--lang", "vi"};
  args.insert(args.end(), test_args.begin(), test_args.end());
  const auto vi = run_vigil(args);
  INFO(vi.out << vi.err);
  REQUIRE(vi.exit_code == 0);
  CHECK(contains(vi.out, "gói tin"));
  const auto lines = split_lines(vi.out);
  REQUIRE(lines.size() >= 3);
  CHECK(lines[1].starts_with("SID      SỐ LƯỢNG  THÔNG ĐIỆP"));
  CHECK(contains(vi.out, "7000001  "));
  CHECK(contains(vi.out, "Tấn công dò quét mật khẩu SSH từ mạng ngoài vào cổng thông tin điện tử của tỉnh\n"));  // piped: whole

  // $VIGIL_LANG does the same; English is the default.
  std::vector<std::string> with_env = {"/usr/bin/env", "VIGIL_LANG=vi", VIGIL_CLI};
  with_env.insert(with_env.end(), test_args.begin(), test_args.end());
  CHECK(contains(run_command(with_env).out, "SỐ LƯỢNG"));
  const auto en = run_vigil(test_args);
  CHECK(split_lines(en.out).at(1).starts_with("SID      COUNT  MSG"));

  args.push_back("--json");
  const auto json = nlohmann::json::parse(run_vigil(args).out);
  CHECK(json["alerts"][0].contains("count"));
  CHECK(json["alerts"][0]["sid"] == 7000001);

  const auto bad = run_vigil({"--lang", "fr", "rules", "lint", dir.file("vi.rules")});
  CHECK(bad.exit_code == 2);
  CHECK(contains(bad.err, "en,vi"));
}

TEST_CASE("on a terminal tables fit its width and severities are coloured, piped output has neither",
          "[cli][table][integration]") {
  TempDir dir;
  write_file(dir.file("vi.rules"), kVietnameseRule);
  const std::vector<std::string> rules_test = {VIGIL_CLI, "--lang", "vi", "rules", "test", "--rules",
                                               dir.file("vi.rules"), "--pcap", kSample};

  // The window says 60 columns (TIOCGWINSZ); then $COLUMNS=60 on a wider window.
  for (const auto& [window, environment] : std::vector<std::pair<unsigned short, std::vector<std::string>>>{
           {60, {}}, {200, {"COLUMNS=60"}}}) {
    const auto shown = run_on_terminal(rules_test, window, environment);
    INFO(shown.out);
    REQUIRE(shown.exit_code == 0);
    CHECK(valid_utf8(shown.out));
    const auto lines = split_lines(without_ansi(shown.out));
    const auto row = std::find_if(lines.begin(), lines.end(), [](const auto& l) { return l.starts_with("7000001"); });
    REQUIRE(row != lines.end());
    CHECK(vigil::cli::display_width(*row) == 60);  // cut to fit exactly
    CHECK(row->ends_with("…"));
    CHECK(contains(*row, "Tấn công dò quét"));
    CHECK(contains(shown.out, "\x1b[1m"));  // bold headers: colour on a terminal
  }

  // Severity colours in the replay summary's incident table; none when piped, with NO_COLOR or --color never.
  const std::vector<std::string> replay = {VIGIL_CLI, "replay", "--no-store", kSample};
  const auto coloured = run_on_terminal(replay, 100);
  INFO(coloured.out);
  REQUIRE(coloured.exit_code == 0);
  CHECK(contains(coloured.out, "\x1b[31mhigh\x1b[0m"));
  CHECK(contains(coloured.out, "\x1b[33mmedium\x1b[0m"));
  for (const auto& line : split_lines(without_ansi(coloured.out))) CHECK(vigil::cli::display_width(line) <= 100);

  const auto piped = run_vigil({"replay", "--no-store", kSample});
  CHECK_FALSE(contains(piped.out, "\x1b["));
  CHECK(contains(piped.out, "(203.0.113.77 -> 10.20.100.10)\n"));  // piped: titles whole, however long
  CHECK_FALSE(contains(run_on_terminal(replay, 100, {"NO_COLOR=1"}).out, "\x1b["));
  const std::vector<std::string> never = {VIGIL_CLI, "--color", "never", "replay", "--no-store", kSample};
  CHECK_FALSE(contains(run_on_terminal(never, 100).out, "\x1b["));
  const auto always = run_vigil({"--color", "always", "replay", "--no-store", kSample});
  CHECK(contains(always.out, "\x1b[31mhigh\x1b[0m"));
}

TEST_CASE("vigil completion bash loads into bash and completes commands, options and fixed choices",
          "[cli][completion]") {
  TempDir dir;
  const auto script = run_vigil({"completion", "bash"});
  REQUIRE(script.exit_code == 0);
  write_file(dir.file("vigil.bash"), script.out);
  // COMP_WORDS as bash fills them when Tab is pressed after the last word.
  const std::string complete = "source " + dir.file("vigil.bash") +
                               "\n"
                               "complete -p vigil\n"
                               "try() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); _vigil; echo \"[$*] ${COMPREPLY[*]}\"; }\n"
                               "try vigil inc\n"
                               "try vigil rules l\n"
                               "try vigil --lang ''\n"
                               "try vigil --lang vi st\n"
                               "try vigil export --what ''\n"
                               "try vigil rules lint --j\n"
                               "try vigil completion ''\n";
  const auto r = run_command({"/bin/bash", "-c", complete});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto lines = split_lines(r.out);
  REQUIRE(lines.size() == 8);
  CHECK(lines[0] == "complete -o default -F _vigil vigil");
  CHECK(lines[1] == "[vigil inc] incidents");
  CHECK(contains(lines[2], " lint"));
  CHECK(lines[3] == "[vigil --lang ] en vi");
  CHECK(lines[4] == "[vigil --lang vi st] status");  // the value of --lang is skipped
  CHECK(lines[5] == "[vigil export --what ] incidents alerts audit");
  CHECK(lines[6] == "[vigil rules lint --j] --json");
  CHECK(lines[7] == "[vigil completion ] ");  // a positional: the shell's default (files)

  CHECK(run_vigil({"completion", "tcsh"}).exit_code == 2);
}

TEST_CASE("vigil completion zsh and fish complete the same commands and choices in those shells",
          "[cli][completion]") {
  TempDir dir;
  const auto zsh = run_vigil({"completion", "zsh"});
  REQUIRE(zsh.exit_code == 0);
  CHECK(zsh.out.starts_with("#compdef vigil\n"));
  const auto fish = run_vigil({"completion", "fish"});
  REQUIRE(fish.exit_code == 0);
  CHECK(contains(fish.out, "-l lang -x -a 'en vi'"));
  // The shells are not build dependencies: where one is installed, the script runs in it.
  if (std::filesystem::exists("/usr/bin/zsh")) {
    write_file(dir.file("_vigil"), zsh.out);
    // zsh's completion builtins only exist inside its completion system: stand-ins print what they get.
    const std::string run = "compdef() { :; }\n"
                            "source " + dir.file("_vigil") + "\n"
                            "compadd() { print -r -- \"compadd $*\"; }\n"
                            "_describe() { print -rl -- ${(P)2}; }\n"
                            "_files() { print files; }\n"
                            "try() { words=(\"$@\"); CURRENT=$#; PREFIX=${words[-1]}; _vigil; }\n"
                            "try vigil incidents ''\n"
                            "try vigil --lang vi ''\n"
                            "try vigil --lang ''\n"
                            "try vigil export --what ''\n"
                            "try vigil replay --rules ''\n";
    const auto r = run_command({"/usr/bin/zsh", "-f", "-c", run});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "\nack:Acknowledge"));                        // incidents' subcommands, described
    CHECK(contains(r.out, "\nincidents:Triage incidents"));             // after --lang vi: the commands
    CHECK(contains(r.out, "compadd -- en vi\n"));
    CHECK(contains(r.out, "compadd -- incidents alerts audit\n"));
    CHECK(r.out.ends_with("files\n"));                                  // --rules takes a file
  } else {
    WARN("zsh not installed: its completion script was not run");
  }
  if (std::filesystem::exists("/usr/bin/fish")) {
    write_file(dir.file("vigil.fish"), fish.out);
    const auto r = run_command({"/usr/bin/fish", "--no-config", "-c",
                                "source " + dir.file("vigil.fish") +
                                    "; complete -C 'vigil inc'; complete -C 'vigil --lang vi export --what '"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "incidents\tTriage incidents"));
    CHECK(contains(r.out, "audit\t"));
    CHECK_FALSE(contains(r.out, "replay\t"));  // the path is "vigil export", not the top level
  } else {
    WARN("fish not installed: its completion script was not run");
  }
}

TEST_CASE("every command's --help explains itself with an example", "[cli][help]") {
  std::vector<std::string> commands;
  walk_commands("", commands);
  REQUIRE(commands.size() > 15);  // replay, rules lint/test/reload, admin ..., incidents ..., alerts ...
  std::string missing;
  for (const auto& command : commands) {
    std::vector<std::string> args = {VIGIL_CLI};
    std::istringstream words(command);
    for (std::string word; words >> word;) args.push_back(word);
    args.push_back("--help");
    const auto help = run_command(args);
    // An "Example(s):" heading, then a line that runs this very command (not the parent's footer).
    const size_t heading = std::min(help.out.find("\nExample:"), help.out.find("\nExamples:"));
    const bool has_example = heading != std::string::npos && contains(help.out.substr(heading), "vigil ") &&
                             contains(help.out.substr(heading), " " + command);
    if (help.exit_code != 0 || !has_example) missing += "  vigil " + command + " --help\n";
  }
  INFO("Commands whose --help has no \"Example:\" section running them (CLI11 footer):\n" << missing);
  CHECK(missing.empty());
}

TEST_CASE("the commands polish owns name their exit codes in --help", "[cli][help]") {
  for (const std::string command : {"replay", "rules lint", "rules test", "rules reload", "admin backup", "admin check",
                                    "admin stats", "admin keygen", "export", "verify", "audit log", "status",
                                    "completion"}) {
    std::vector<std::string> args = {VIGIL_CLI};
    std::istringstream words(command);
    for (std::string word; words >> word;) args.push_back(word);
    args.push_back("--help");
    const auto help = run_command(args);
    INFO(command << "\n" << help.out);
    CHECK(help.exit_code == 0);
    CHECK(contains(help.out, "Exit code"));
  }
}
