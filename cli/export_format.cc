#include "export_format.h"

#include <functional>
#include <vector>

namespace vigil::cli {

using nlohmann::json;

namespace {

constexpr std::string_view kCsvColumns = "prev,hash,n,id,time,summary,record";

// The fixed start of a record line: `<open>P<middle>H<close>` then the body.
struct RecordPrefix {
  std::string_view open, middle, close;
};

RecordPrefix prefix_of(ExportFormat format) {
  switch (format) {
    case ExportFormat::jsonl: return {R"({"prev":")", R"(","hash":")", R"(",)"};
    case ExportFormat::stix: return {R"({"x_vigil_prev":")", R"(","x_vigil_hash":")", R"(",)"};
    case ExportFormat::csv: break;
  }
  return {"", ",", ","};
}

std::string record_line(ExportFormat format, std::string_view prev, std::string_view hash, std::string_view body) {
  const RecordPrefix p = prefix_of(format);
  std::string line;
  line.reserve(p.open.size() + p.middle.size() + p.close.size() + 2 * kHashHexSize + body.size());
  line.append(p.open).append(prev).append(p.middle).append(hash).append(p.close).append(body);
  return line;
}

struct RecordParts {
  std::string prev, hash;
  std::string_view body;
};

std::optional<RecordParts> split_record_line(ExportFormat format, std::string_view line) {
  const RecordPrefix p = prefix_of(format);
  const size_t size = p.open.size() + p.middle.size() + p.close.size() + 2 * kHashHexSize;
  if (line.size() <= size || !line.starts_with(p.open)) return std::nullopt;
  std::string_view rest = line.substr(p.open.size());
  RecordParts parts{std::string(rest.substr(0, kHashHexSize)), "", {}};
  rest.remove_prefix(kHashHexSize);
  if (!rest.starts_with(p.middle)) return std::nullopt;
  rest.remove_prefix(p.middle.size());
  parts.hash = std::string(rest.substr(0, kHashHexSize));
  rest.remove_prefix(kHashHexSize);
  if (!rest.starts_with(p.close)) return std::nullopt;
  rest.remove_prefix(p.close.size());
  // The comma between two STIX objects is not part of either.
  if (format == ExportFormat::stix && rest.ends_with("},")) rest.remove_suffix(1);
  if (!is_hash_hex(parts.prev) || !is_hash_hex(parts.hash)) return std::nullopt;
  parts.body = rest;
  return parts;
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += (c == '\r' || c == '\n') ? ' ' : c;  // one record, one physical line
  }
  return out + "\"";
}

// The first `count` fields of a CSV line (RFC 4180 quoting); nullopt when it has fewer.
std::optional<std::vector<std::string>> csv_fields(std::string_view line, size_t count) {
  std::vector<std::string> fields;
  size_t i = 0;
  while (fields.size() < count) {
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (true) {
        if (i >= line.size()) return std::nullopt;
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
    } else {
      while (i < line.size() && line[i] != ',') field += line[i++];
    }
    fields.push_back(std::move(field));
    if (fields.size() == count) break;
    if (i >= line.size() || line[i] != ',') return std::nullopt;
    ++i;
  }
  return fields;
}

std::string text_of(const json& record, const char* key) {
  const auto it = record.find(key);
  if (it == record.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string summary_of(const std::string& what, const json& record) {
  if (!record.is_object()) return "";
  if (what == "incidents") {
    return text_of(record, "severity") + " " + text_of(record, "state") + " " + text_of(record, "title");
  }
  if (what == "alerts") {
    const json alert = record.value("alert", json::object());
    return text_of(alert, "signature_id") + " " + text_of(alert, "signature") + " " + text_of(record, "src_ip") +
           " -> " + text_of(record, "dest_ip");
  }
  return text_of(record, "actor") + " " + text_of(record, "action");
}

// STIX timestamps are RFC 3339 with a Z; ours are "2024-03-01T10:15:30.123456+0000".
std::string stix_time(const std::string& eve_time) {
  if (eve_time.size() > 5 && eve_time.ends_with("+0000")) return eve_time.substr(0, eve_time.size() - 5) + "Z";
  return eve_time;
}

// A version 8 (name-based) UUID from SHA-256: the same record always gets the same STIX id.
std::string name_uuid(std::string_view name) {
  std::string hex = sha256_hex(name).substr(0, 32);
  hex[12] = '8';
  hex[16] = "89ab"[hex[16] % 4];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20, 12);
}

const char* stix_type(const std::string& what) {
  if (what == "incidents") return "incident";
  if (what == "alerts") return "x-vigil-alert";
  return "x-vigil-audit-entry";
}

json header_json(const ExportHeader& h) {
  return {{"vigil_export", 1}, {"what", h.what},      {"from", h.from},     {"to", h.to},
          {"format", to_string(h.format)}, {"created", h.created}, {"key_id", h.key_id}};
}

std::vector<std::string> header_lines(const ExportHeader& h) {
  switch (h.format) {
    case ExportFormat::jsonl: return {header_json(h).dump()};
    case ExportFormat::csv: return {"# " + header_json(h).dump(), std::string(kCsvColumns)};
    case ExportFormat::stix: break;
  }
  json bundle = {{"type", "bundle"},
                 {"id", "bundle--" + name_uuid("vigil-export|" + header_json(h).dump())},
                 {"x_vigil_export", header_json(h)}};
  std::string line = bundle.dump();
  line.pop_back();  // the bundle stays open for its objects
  return {line + R"(,"objects":[)"};
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += (out.empty() ? "" : "\n") + line;
  return out;
}

std::string signature_line(ExportFormat format, const json& signature) {
  switch (format) {
    case ExportFormat::jsonl: return json{{"signature", signature}}.dump();
    case ExportFormat::csv: return "# " + json{{"signature", signature}}.dump();
    case ExportFormat::stix: break;
  }
  return R"(],"x_vigil_signature":)" + signature.dump() + "}";
}

bool is_signature_line(ExportFormat format, std::string_view line) {
  switch (format) {
    case ExportFormat::jsonl: return line.starts_with(R"({"signature":)");
    case ExportFormat::csv: return line.starts_with(R"(# {"signature":)");
    case ExportFormat::stix: break;
  }
  return line.starts_with(R"(],"x_vigil_signature":)");
}

std::optional<json> signature_of(ExportFormat format, std::string_view line) {
  std::string text(line);
  if (format == ExportFormat::csv) text = text.substr(2);
  if (format == ExportFormat::stix) text = "{" + text.substr(2);
  json parsed = json::parse(text, nullptr, false);
  const char* key = format == ExportFormat::stix ? "x_vigil_signature" : "signature";
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains(key)) return std::nullopt;
  const json& s = parsed[key];
  if (!s.is_object() || !s.value("records", json()).is_number_unsigned() || !s.value("last", json()).is_string() ||
      !s.value("value", json()).is_string() || !s.value("key_id", json()).is_string()) {
    return std::nullopt;
  }
  return s;
}

std::optional<ExportHeader> header_of(const json& h) {
  if (!h.is_object() || h.value("vigil_export", 0) != 1) return std::nullopt;
  ExportHeader header;
  try {
    header.what = h.at("what").get<std::string>();
    header.from = h.at("from").get<std::string>();
    header.to = h.at("to").get<std::string>();
    header.created = h.at("created").get<std::string>();
    header.key_id = h.at("key_id").get<std::string>();
    auto format = parse_export_format(h.at("format").get<std::string>());
    if (!format) return std::nullopt;
    header.format = *format;
  } catch (const json::exception&) {
    return std::nullopt;
  }
  return header;
}

// Line 1 names the format: a JSON header, "# " and a JSON header, or an open STIX bundle.
std::optional<ExportHeader> read_header(const std::string& line1) {
  if (line1.starts_with("# ")) {
    auto h = header_of(json::parse(line1.substr(2), nullptr, false));
    return h && h->format == ExportFormat::csv ? h : std::nullopt;
  }
  if (line1.ends_with(R"(,"objects":[)")) {
    json bundle = json::parse(line1.substr(0, line1.size() - 12) + "}", nullptr, false);
    if (bundle.is_discarded() || bundle.value("type", "") != "bundle") return std::nullopt;
    auto h = header_of(bundle.value("x_vigil_export", json()));
    return h && h->format == ExportFormat::stix ? h : std::nullopt;
  }
  auto h = header_of(json::parse(line1, nullptr, false));
  return h && h->format == ExportFormat::jsonl ? h : std::nullopt;
}

// What verification keeps of a record line; the bodies are hashed as they are read.
struct LineFacts {
  size_t line = 0;
  bool shaped = false;      // has the prev/hash prefix
  bool self_intact = false; // its hash matches prev and body
  std::optional<uint64_t> n;
  std::string id;
  std::string prev, hash;
};

LineFacts read_record_line(ExportFormat format, size_t line_number, std::string_view line) {
  LineFacts facts;
  facts.line = line_number;
  auto parts = split_record_line(format, line);
  if (!parts) return facts;
  facts.shaped = true;
  facts.prev = std::move(parts->prev);
  facts.hash = std::move(parts->hash);
  facts.self_intact = chain_hash(facts.prev, parts->body) == facts.hash;
  if (format == ExportFormat::csv) {
    if (auto fields = csv_fields(parts->body, 2)) {
      const std::string& n = (*fields)[0];
      if (!n.empty() && n.size() < 20 && n.find_first_not_of("0123456789") == std::string::npos) facts.n = std::stoull(n);
      facts.id = (*fields)[1];
    }
    return facts;
  }
  json body = json::parse("{" + std::string(parts->body), nullptr, false);
  if (!body.is_object()) return facts;
  const char* n_key = format == ExportFormat::stix ? "x_vigil_n" : "n";
  const char* id_key = format == ExportFormat::stix ? "x_vigil_record_id" : "id";
  if (body.contains(n_key) && body[n_key].is_number_unsigned()) facts.n = body[n_key].get<uint64_t>();
  if (body.contains(id_key) && body[id_key].is_string()) facts.id = body[id_key].get<std::string>();
  return facts;
}

std::string describe(const LineFacts& r) {
  std::string text = r.n ? "record " + std::to_string(*r.n) : std::string("the record");
  text += " (line " + std::to_string(r.line);
  if (!r.id.empty()) text += ", id " + r.id;
  return text + ")";
}

VerifyReport problem_at(VerifyReport report, const LineFacts& r, std::string problem) {
  report.problem = std::move(problem);
  report.line = r.line;
  report.record_id = r.id;
  report.record_n = r.n;
  return report;
}

VerifyReport problem_at_line(VerifyReport report, size_t line, std::string problem) {
  report.problem = std::move(problem);
  report.line = line;
  return report;
}

// Walks the record lines in file order against the chain they claim: numbers 1, 2, 3... each linking
// to the one before. It keeps only the last record in order, so a file of any size verifies in constant
// memory; the first departure names what happened to which record, reading ahead only to tell a
// removed record from a moved one.
class ChainWalk {
 public:
  using ReadAhead = std::function<std::optional<LineFacts>()>;  // the next record line, or none

  ChainWalk(std::string start_hash, size_t first_record_line)
      : expected_prev_(std::move(start_hash)), first_record_line_(first_record_line) {}

  std::optional<VerifyReport> step(const VerifyReport& base, const LineFacts& r, const ReadAhead& read_ahead) {
    if (!r.shaped) {
      return problem_at_line(base, r.line,
                             "line " + std::to_string(r.line) +
                                 " is not a record of this export: it was added, or a record there was damaged");
    }
    if (!r.self_intact || !r.n) {
      return problem_at(base, r, describe(r) + " was changed: its content does not match its hash");
    }
    if (*r.n == expected_n_ && r.prev == expected_prev_) {
      expected_prev_ = r.hash;
      ++expected_n_;
      previous_ = r;
      return std::nullopt;
    }
    if (*r.n == expected_n_) {
      if (expected_n_ == 1) return problem_at(base, r, "the header was changed: " + describe(r) + " no longer links to it");
      return problem_at(base, r, describe(r) + " does not link to " + describe(previous_) + ": one of them was rewritten");
    }
    if (*r.n > expected_n_) {
      while (auto later = read_ahead()) {
        if (later->n == expected_n_) {
          return problem_at(base, r, "records are out of order: " + describe(r) + " comes before " + describe(*later));
        }
      }
      const std::string what = *r.n == expected_n_ + 1 ? "record " + std::to_string(expected_n_) + " was removed"
                                                        : "records " + std::to_string(expected_n_) + " to " +
                                                              std::to_string(*r.n - 1) + " were removed";
      return problem_at(base, r, what + ": " + describe(r) + " follows " +
                                     (expected_n_ == 1 ? std::string("the header") : describe(previous_)));
    }
    // Every record before this one was in order, so record n stands at its own place.
    return problem_at(base, r, describe(r) + " was added: a copy of the record at line " +
                                   std::to_string(first_record_line_ + *r.n - 1));
  }

  uint64_t records() const { return expected_n_ - 1; }
  const std::string& last_hash() const { return expected_prev_; }
  const LineFacts& last() const { return previous_; }

 private:
  uint64_t expected_n_ = 1;
  std::string expected_prev_;
  size_t first_record_line_;
  LineFacts previous_;
};

}  // namespace

Result<ExportFormat> parse_export_format(std::string_view text) {
  if (text == "jsonl") return ExportFormat::jsonl;
  if (text == "csv") return ExportFormat::csv;
  if (text == "stix") return ExportFormat::stix;
  return fail(ErrorCode::invalid_argument, "unknown format '" + std::string(text) + "' (jsonl, csv or stix)");
}

const char* to_string(ExportFormat format) {
  switch (format) {
    case ExportFormat::jsonl: return "jsonl";
    case ExportFormat::csv: return "csv";
    case ExportFormat::stix: return "stix";
  }
  return "?";
}

ExportWriter::ExportWriter(std::ostream& out, ExportHeader header) : out_(out), header_(std::move(header)) {
  const auto lines = header_lines(header_);
  for (const auto& line : lines) out_ << line << "\n";
  last_hash_ = sha256_hex(join_lines(lines));
}

std::string ExportWriter::body(const ExportRecord& record) const {
  const uint64_t n = records_ + 1;
  switch (header_.format) {
    case ExportFormat::jsonl:
      return json{{"n", n}, {"id", record.id}, {"time", record.time}, {"record", record.record}}.dump().substr(1);
    case ExportFormat::csv:
      return std::to_string(n) + "," + csv_field(record.id) + "," + csv_field(record.time) + "," +
             csv_field(summary_of(header_.what, record.record)) + "," + csv_field(record.record.dump());
    case ExportFormat::stix: break;
  }
  const char* type = stix_type(header_.what);
  json object = {{"type", type},
                 {"spec_version", "2.1"},
                 {"id", std::string(type) + "--" + name_uuid(header_.what + "|" + record.id)},
                 {"created", stix_time(record.time)},
                 {"modified", stix_time(record.time)},
                 {"x_vigil_n", n},
                 {"x_vigil_record_id", record.id},
                 {"x_vigil_record", record.record}};
  if (header_.what == "incidents") object["name"] = text_of(record.record, "title");
  return object.dump().substr(1);
}

void ExportWriter::add(const ExportRecord& record) {
  const std::string text = body(record);
  const std::string hash = chain_hash(last_hash_, text);
  if (header_.format == ExportFormat::stix && records_ > 0) out_ << ",\n";
  out_ << record_line(header_.format, last_hash_, hash, text);
  if (header_.format != ExportFormat::stix) out_ << "\n";
  last_hash_ = hash;
  ++records_;
}

Result<void> ExportWriter::finish(const SigningKey& key) {
  auto signature = key.sign(signed_message(last_hash_, records_));
  if (!signature) return fail(signature.error());
  const json s = {{"alg", "ed25519"},
                  {"key_id", key.key_id()},
                  {"records", records_},
                  {"last", last_hash_},
                  {"value", base64_encode(*signature)}};
  if (header_.format == ExportFormat::stix && records_ > 0) out_ << "\n";
  out_ << signature_line(header_.format, s) << "\n";
  out_.flush();
  if (!out_) return fail(ErrorCode::io_error, "write failed");
  return ok();
}

Result<VerifyReport> verify_export(std::istream& in, const PublicKey& key) {
  std::string line;
  if (!std::getline(in, line)) return fail(ErrorCode::parse_error, "empty file: not a vigil export");
  auto header = read_header(line);
  if (!header) return fail(ErrorCode::parse_error, "line 1 is not the header of a vigil export");
  const ExportFormat format = header->format;
  VerifyReport report;
  report.header = header;
  std::vector<std::string> head = {line};
  size_t line_number = 1;
  if (format == ExportFormat::csv) {
    if (!std::getline(in, line)) line.clear();
    head.push_back(line);
    ++line_number;
    if (line != kCsvColumns) return problem_at_line(report, 2, "line 2 (the CSV column names) was changed");
  }
  const size_t first_record_line = line_number + 1;
  ChainWalk walk(sha256_hex(join_lines(head)), first_record_line);

  std::optional<size_t> signature_line_number;
  std::string signature_text;
  // The next record line, stopping at the signature line (remembered) or the end.
  const auto next_record = [&]() -> std::optional<LineFacts> {
    if (signature_line_number || !std::getline(in, line)) return std::nullopt;
    ++line_number;
    if (is_signature_line(format, line)) {
      signature_line_number = line_number;
      signature_text = line;
      return std::nullopt;
    }
    return read_record_line(format, line_number, line);
  };
  while (auto record = next_record()) {
    if (auto broken = walk.step(report, *record, next_record)) return *broken;
  }
  report.records = walk.records();
  if (!signature_line_number) {
    return problem_at_line(report, line_number + 1,
                           "the signature line is missing: the file was cut short or the signature removed");
  }
  std::optional<size_t> after_signature;
  if (std::getline(in, line)) after_signature = line_number + 1;

  auto signature = signature_of(format, signature_text);
  if (!signature) {
    return problem_at_line(report, *signature_line_number,
                           "the signature line (line " + std::to_string(*signature_line_number) + ") was changed");
  }
  report.key_id = (*signature)["key_id"].get<std::string>();
  const uint64_t signed_records = (*signature)["records"].get<uint64_t>();
  if (walk.records() > signed_records) {
    // Rare: read the file again up to the first record past the signed end, to name it.
    in.clear();
    in.seekg(0);
    const size_t wanted = first_record_line + signed_records;
    for (size_t n = 1; n <= wanted && std::getline(in, line); ++n) {
    }
    const LineFacts first_extra = read_record_line(format, wanted, line);
    return problem_at(report, first_extra,
                      describe(first_extra) + " was added after the signed end (the signature covers " +
                          std::to_string(signed_records) + " records)");
  }
  if (walk.records() < signed_records) {
    const uint64_t have = walk.records();
    return problem_at_line(report, *signature_line_number,
                           "record " + std::to_string(have + 1) +
                               (have + 1 == signed_records ? "" : " to " + std::to_string(signed_records)) +
                               " removed from the end: the signature covers " + std::to_string(signed_records) +
                               " records, the file has " + std::to_string(have));
  }
  const std::string signed_last = (*signature)["last"].get<std::string>();
  auto value = base64_decode((*signature)["value"].get<std::string>());
  if (!value || !key.verify(signed_message(signed_last, signed_records), *value)) {
    if (report.key_id != key.key_id()) {
      return problem_at_line(report, *signature_line_number,
                             "the signature does not verify with this public key (key id " + key.key_id() +
                                 "); the file says it was signed by key id " + report.key_id);
    }
    return problem_at_line(report, *signature_line_number,
                           "the signature (line " + std::to_string(*signature_line_number) +
                               ") does not verify: it was changed");
  }
  if (signed_last != walk.last_hash()) {
    if (walk.records() == 0) return problem_at_line(report, 1, "the header was changed after signing");
    return problem_at(report, walk.last(),
                      describe(walk.last()) + " was rewritten after signing: the chain's end is not the signed one");
  }
  if (after_signature) {
    return problem_at_line(report, *after_signature,
                           "line " + std::to_string(*after_signature) + " was added after the signature");
  }
  report.valid = true;
  return report;
}

}  // namespace vigil::cli
