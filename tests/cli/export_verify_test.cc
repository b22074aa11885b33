// Signed exports: the hash chain, Ed25519 signing and verification (export_format.h, signed_chain.h) in
// process, then the tampering a user would try on a written file (a changed byte, a deleted line, two
// swapped lines, an added line) caught by the real `vigil verify`, for each format; keys from the real
// `vigil admin keygen`.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>

#include "export_format.h"
#include "run_command.h"
#include "signed_chain.h"
#include "time_arg.h"

using vigil::cli::ExportFormat;
using vigil::cli::ExportHeader;
using vigil::cli::ExportRecord;
using vigil::cli::ExportWriter;
using vigil::cli::PublicKey;
using vigil::cli::SigningKey;
using vigil::cli::VerifyReport;

namespace {

std::string incident_id(int n) {
  char id[16];
  std::snprintf(id, sizeof id, "INC-%06d", n);
  return id;
}

// An export of `count` incidents, as `vigil export` writes it.
std::string write_export(ExportFormat format, const SigningKey& key, int count = 5) {
  std::ostringstream out;
  ExportHeader header{"incidents", "2026-03-01T00:00:00.000000Z", "2026-03-02T00:00:00.000000Z", format,
                      "2026-03-02T08:00:00.000000Z", key.key_id()};
  ExportWriter writer(out, header);
  for (int n = 1; n <= count; ++n) {
    ExportRecord record;
    record.id = incident_id(n);
    record.time = "2026-03-01T10:00:0" + std::to_string(n) + ".000000+0000";
    record.record = {{"id", record.id},
                     {"title", "Port scan, marker " + std::to_string(100 + n)},
                     {"severity", "high"},
                     {"state", "new"}};
    writer.add(record);
  }
  REQUIRE(writer.finish(key));
  return out.str();
}

VerifyReport verify(const std::string& text, const PublicKey& key) {
  std::istringstream in(text);
  auto report = vigil::cli::verify_export(in, key);
  REQUIRE(report);
  return *report;
}

PublicKey public_of(const SigningKey& key) {
  auto pub = PublicKey::from_pem(key.public_pem());
  REQUIRE(pub);
  return *pub;
}

std::vector<std::string> lines_of(const std::string& text) { return vigil::test::split_lines(text); }

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

// The line (0-based) holding record n: after the header line(s).
size_t record_line(ExportFormat format, int n) { return (format == ExportFormat::csv ? 2 : 1) + (n - 1); }

std::string change_one_byte(const std::string& text, ExportFormat format, int n) {
  auto lines = lines_of(text);
  std::string& line = lines[record_line(format, n)];
  const size_t at = line.find("marker " + std::to_string(100 + n));
  REQUIRE(at != std::string::npos);
  line[at + 9] = line[at + 9] == '9' ? '8' : '9';  // last digit of the marker
  return join(lines);
}

std::string delete_record(const std::string& text, ExportFormat format, int n) {
  auto lines = lines_of(text);
  lines.erase(lines.begin() + static_cast<long>(record_line(format, n)));
  return join(lines);
}

std::string swap_records(const std::string& text, ExportFormat format, int a, int b) {
  auto lines = lines_of(text);
  std::swap(lines[record_line(format, a)], lines[record_line(format, b)]);
  return join(lines);
}

// A copy of record n put just before the signature, as someone padding an export would.
std::string insert_copy_before_signature(const std::string& text, ExportFormat format, int n) {
  auto lines = lines_of(text);
  lines.insert(lines.end() - 1, lines[record_line(format, n)]);
  return join(lines);
}

const ExportFormat kFormats[] = {ExportFormat::jsonl, ExportFormat::csv, ExportFormat::stix};

}  // namespace

TEST_CASE("export chain: SHA-256, base64 and Ed25519 sign and verify", "[cli][export]") {
  CHECK(vigil::cli::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(vigil::cli::chain_hash("00", "x") == vigil::cli::sha256_hex("00\nx"));
  for (const std::string& bytes : std::vector<std::string>{"a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    auto decoded = vigil::cli::base64_decode(vigil::cli::base64_encode(bytes));
    REQUIRE(decoded);
    CHECK(*decoded == bytes);
  }
  CHECK_FALSE(vigil::cli::base64_decode("a*=="));

  auto key = SigningKey::generate();
  REQUIRE(key);
  auto reloaded = SigningKey::from_pem(key->private_pem());
  REQUIRE(reloaded);
  CHECK(reloaded->key_id() == key->key_id());
  const PublicKey pub = public_of(*key);
  CHECK(pub.key_id() == key->key_id());
  CHECK(pub.key_id().size() == 16);
  auto signature = key->sign("vigil-export-v1 abc 3");
  REQUIRE(signature);
  CHECK(signature->size() == 64);
  CHECK(pub.verify("vigil-export-v1 abc 3", *signature));
  CHECK_FALSE(pub.verify("vigil-export-v1 abc 4", *signature));
  auto other = SigningKey::generate();
  REQUIRE(other);
  CHECK_FALSE(public_of(*other).verify("vigil-export-v1 abc 3", *signature));
  CHECK_FALSE(PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n"));
  CHECK_FALSE(SigningKey::from_pem(key->public_pem()));
}

TEST_CASE("export chain: each record links to the one before and the signature covers the end", "[cli][export]") {
  auto key = SigningKey::generate();
  REQUIRE(key);
  const PublicKey pub = public_of(*key);
  for (ExportFormat format : kFormats) {
    DYNAMIC_SECTION(vigil::cli::to_string(format)) {
      const std::string text = write_export(format, *key);
      const VerifyReport intact = verify(text, pub);
      INFO(intact.problem);
      CHECK(intact.valid);
      CHECK(intact.records == 5);
      CHECK(intact.header->what == "incidents");
      CHECK(intact.header->key_id == key->key_id());

      // Each record names its predecessor's hash: the first one the header's.
      const auto lines = lines_of(text);
      const size_t first = record_line(format, 1);
      const std::string header_text = format == ExportFormat::csv ? lines[0] + "\n" + lines[1] : lines[0];
      CHECK(lines[first].find(vigil::cli::sha256_hex(header_text)) != std::string::npos);

      const VerifyReport changed = verify(change_one_byte(text, format, 3), pub);
      CHECK_FALSE(changed.valid);
      CHECK(changed.record_n == 3u);
      CHECK(changed.record_id == "INC-000003");
      CHECK(changed.line == record_line(format, 3) + 1);
      CHECK(changed.problem.find("was changed") != std::string::npos);

      const VerifyReport removed = verify(delete_record(text, format, 3), pub);
      CHECK_FALSE(removed.valid);
      CHECK(removed.problem.find("record 3 was removed") != std::string::npos);
      CHECK(removed.record_id == "INC-000004");  // the record that now follows record 2

      const VerifyReport swapped = verify(swap_records(text, format, 2, 3), pub);
      CHECK_FALSE(swapped.valid);
      CHECK(swapped.problem.find("out of order") != std::string::npos);
      CHECK(swapped.record_id == "INC-000003");
      CHECK(swapped.line == record_line(format, 2) + 1);

      const VerifyReport copied = verify(insert_copy_before_signature(text, format, 2), pub);
      CHECK_FALSE(copied.valid);
      CHECK(copied.record_id == "INC-000002");
      CHECK(copied.line == record_line(format, 6) + 1);
      CHECK(copied.problem.find("was added") != std::string::npos);

      const VerifyReport last_removed = verify(delete_record(text, format, 5), pub);
      CHECK_FALSE(last_removed.valid);
      CHECK(last_removed.problem.find("record 5 removed from the end") != std::string::npos);

      const VerifyReport trailing = verify(text + "{\"n\":6}\n", pub);
      CHECK_FALSE(trailing.valid);
      CHECK(trailing.problem == "line " + std::to_string(lines.size() + 1) + " was added after the signature");

      auto unsigned_lines = lines;
      unsigned_lines.pop_back();
      const VerifyReport cut = verify(join(unsigned_lines), pub);
      CHECK_FALSE(cut.valid);
      CHECK(cut.problem.find("signature line is missing") != std::string::npos);

      auto other = SigningKey::generate();
      REQUIRE(other);
      const VerifyReport wrong_key = verify(text, public_of(*other));
      CHECK_FALSE(wrong_key.valid);
      CHECK(wrong_key.problem.find("does not verify with this public key") != std::string::npos);
      CHECK(wrong_key.problem.find(key->key_id()) != std::string::npos);
    }
  }
}

TEST_CASE("export chain: a re-signed chain by another key, an empty export, a changed header", "[cli][export]") {
  auto key = SigningKey::generate();
  REQUIRE(key);
  const PublicKey pub = public_of(*key);
  const std::string empty = write_export(ExportFormat::jsonl, *key, 0);
  CHECK(verify(empty, pub).valid);
  CHECK(verify(empty, pub).records == 0);

  // The header's range changed: the first record no longer links to it.
  std::string text = write_export(ExportFormat::jsonl, *key);
  const size_t at = text.find("2026-03-01T00:00:00");
  text[at + 9] = '2';
  const VerifyReport report = verify(text, pub);
  CHECK_FALSE(report.valid);
  CHECK(report.problem.find("the header was changed") != std::string::npos);

  // Records rewritten with every hash recomputed (no key needed for that): the chain holds, the signature
  // still covers the old end.
  auto forger = SigningKey::generate();
  REQUIRE(forger);
  const std::string original = write_export(ExportFormat::jsonl, *key);
  std::ostringstream forged;
  ExportHeader header{"incidents", "2026-03-01T00:00:00.000000Z", "2026-03-02T00:00:00.000000Z", ExportFormat::jsonl,
                      "2026-03-02T08:00:00.000000Z", key->key_id()};
  ExportWriter rewriter(forged, header);
  for (int n = 1; n <= 5; ++n) {
    rewriter.add({incident_id(n), "2026-03-01T10:00:0" + std::to_string(n) + ".000000+0000",
                  {{"id", incident_id(n)}, {"title", n == 3 ? "nothing happened" : "Port scan, marker " + std::to_string(100 + n)},
                   {"severity", "high"}, {"state", "new"}}});
  }
  REQUIRE(rewriter.finish(*forger));
  auto forged_lines = lines_of(forged.str());
  forged_lines.back() = lines_of(original).back();  // the genuine signature line
  const VerifyReport rewritten = verify(join(forged_lines), pub);
  CHECK_FALSE(rewritten.valid);
  CHECK(rewritten.record_n == 5u);
  CHECK(rewritten.problem.find("was rewritten after signing") != std::string::npos);
  CHECK(verify(forged.str(), pub).problem.find("does not verify with this public key") != std::string::npos);

  // A well-chained record appended under the old signature: named as added past the signed end.
  auto longer_lines = lines_of(write_export(ExportFormat::jsonl, *key, 6));
  longer_lines.back() = lines_of(original).back();
  const VerifyReport extended = verify(join(longer_lines), pub);
  CHECK_FALSE(extended.valid);
  CHECK(extended.problem == "record 6 (line 7, id INC-000006) was added after the signed end (the signature covers 5 records)");

  std::istringstream not_export("hello\n");
  CHECK_FALSE(vigil::cli::verify_export(not_export, pub));
}

TEST_CASE("vigil verify catches a changed byte, a deleted, swapped or added line in each format",
          "[cli][export][integration]") {
  vigil::test::TempDir dir;
  const auto keygen = vigil::test::run_vigil({"admin", "keygen", "--out", dir.file("auditor")});
  INFO(keygen.err);
  REQUIRE(keygen.exit_code == 0);
  struct stat st {};
  REQUIRE(::stat(dir.file("auditor.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(vigil::test::run_vigil({"admin", "keygen", "--out", dir.file("auditor")}).exit_code == 2);
  auto key = SigningKey::load(dir.file("auditor.key"));
  REQUIRE(key);
  CHECK(keygen.out.find("key id " + key->key_id()) != std::string::npos);
  const std::string pub = dir.file("auditor.pub");

  for (ExportFormat format : kFormats) {
    DYNAMIC_SECTION(vigil::cli::to_string(format)) {
      const std::string text = write_export(format, *key);
      const std::string file = dir.file(std::string("export.") + vigil::cli::to_string(format));
      const auto verify_file = [&](const std::string& content) {
        vigil::test::write_file(file, content);
        return vigil::test::run_vigil({"verify", file, "--key", pub});
      };
      const auto untouched = verify_file(text);
      INFO(untouched.out << untouched.err);
      CHECK(untouched.exit_code == 0);
      CHECK(untouched.out.find("valid: 5 incidents from 2026-03-01T00:00:00.000000Z") != std::string::npos);

      const auto line_of = [&](int n) { return std::to_string(record_line(format, n) + 1); };
      const auto changed = verify_file(change_one_byte(text, format, 4));
      CHECK(changed.exit_code == 1);
      CHECK(changed.out.find("TAMPERED: record 4 (line " + line_of(4) + ", id INC-000004) was changed") !=
            std::string::npos);

      const auto deleted = verify_file(delete_record(text, format, 2));
      CHECK(deleted.exit_code == 1);
      CHECK(deleted.out.find("TAMPERED: record 2 was removed: record 3 (line " + line_of(2) +
                             ", id INC-000003) follows record 1") != std::string::npos);

      const auto swapped = verify_file(swap_records(text, format, 3, 4));
      CHECK(swapped.exit_code == 1);
      CHECK(swapped.out.find("TAMPERED: records are out of order: record 4 (line " + line_of(3) +
                             ", id INC-000004) comes before record 3 (line " + line_of(4) + ", id INC-000003)") !=
            std::string::npos);

      const auto added = verify_file(insert_copy_before_signature(text, format, 1));
      CHECK(added.exit_code == 1);
      CHECK(added.out.find("TAMPERED: record 1 (line " + line_of(6) + ", id INC-000001) was added") !=
            std::string::npos);

      const auto appended = verify_file(text + "one more line\n");
      CHECK(appended.exit_code == 1);
      CHECK(appended.out.find("was added after the signature") != std::string::npos);

      // Signed by someone else: a valid chain, the wrong key.
      const auto other = vigil::test::run_vigil({"admin", "keygen", "--out", dir.file("other")});
      REQUIRE(other.exit_code == 0);
      vigil::test::write_file(file, text);
      const auto wrong_key = vigil::test::run_vigil({"verify", file, "--key", dir.file("other.pub")});
      CHECK(wrong_key.exit_code == 1);
      CHECK(wrong_key.out.find("does not verify with this public key") != std::string::npos);
      std::filesystem::remove(dir.file("other.key"));
      std::filesystem::remove(dir.file("other.pub"));
    }
  }
  const auto missing = vigil::test::run_vigil({"verify", dir.file("nothing.jsonl"), "--key", pub});
  CHECK(missing.exit_code == 2);
  vigil::test::write_file(dir.file("plain.txt"), "just text\n");
  const auto not_export = vigil::test::run_vigil({"verify", dir.file("plain.txt"), "--key", pub});
  CHECK(not_export.exit_code == 2);
  CHECK(not_export.err.find("not the header of a vigil export") != std::string::npos);
  const auto bad_key = vigil::test::run_vigil({"verify", dir.file("plain.txt"), "--key", dir.file("plain.txt")});
  CHECK(bad_key.exit_code == 2);
}

TEST_CASE("time arguments: RFC 3339, dates, now and ages counted back from now", "[cli][export]") {
  using vigil::cli::parse_time_arg;
  const vigil::Timestamp now = 1'772'445'330'000'000;  // 2026-03-02T09:55:30Z
  CHECK(*parse_time_arg("now", now) == now);
  CHECK(*parse_time_arg("24h", now) == now - vigil::hours(24));
  CHECK(*parse_time_arg("7d", now) == now - vigil::hours(24 * 7));
  CHECK(*parse_time_arg("90m", now) == now - vigil::minutes(90));
  CHECK(*parse_time_arg("2026-03-02T17:15:30+07:00", now) == *parse_time_arg("2026-03-02T10:15:30Z", now));
  CHECK(*parse_time_arg("2026-03-02", now) == 1'772'409'600'000'000);
  CHECK(*parse_time_arg("@1772445330", now) == now);
  CHECK(vigil::cli::rfc3339(now) == "2026-03-02T09:55:30.000000Z");
  for (const char* bad : {"", "7x", "yesterday", "2026-13-01", "h"}) {
    INFO(bad);
    auto parsed = parse_time_arg(bad, now);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message.find("24h") != std::string::npos);
  }
}

TEST_CASE("vigil export without a usable key or daemon leaves nothing behind", "[cli][export]") {
  vigil::test::TempDir dir;
  const std::string out = dir.file("x.jsonl");
  const auto no_key = vigil::test::run_vigil(
      {"export", "--from", "1d", "--sign", dir.file("missing.key"), "--out", out, "--socket", dir.file("none.sock")});
  CHECK(no_key.exit_code == 2);
  CHECK(no_key.err.find("--sign: cannot read " + dir.file("missing.key")) != std::string::npos);
  const auto bad_time = vigil::test::run_vigil({"export", "--from", "last week", "--sign", dir.file("missing.key"),
                                                "--out", out});
  CHECK(bad_time.exit_code == 2);
  CHECK(bad_time.err.find("--from") != std::string::npos);

  REQUIRE(vigil::test::run_vigil({"admin", "keygen", "--out", dir.file("k")}).exit_code == 0);
  const auto no_daemon = vigil::test::run_vigil(
      {"export", "--from", "1d", "--sign", dir.file("k.key"), "--out", out, "--socket", dir.file("none.sock")});
  CHECK(no_daemon.exit_code == 1);
  CHECK(no_daemon.err.find("cannot reach vigild") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(out));
  CHECK_FALSE(std::filesystem::exists(out + ".tmp"));
}
