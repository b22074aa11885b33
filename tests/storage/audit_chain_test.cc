// The audit chain as an auditor checks it: intact after appends and reopen; a changed, replaced,
// removed or truncated entry is named by verify.
#include <catch2/catch.hpp>

#include "storage/store_fixtures.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::storage {
namespace {

using testing::open_store;
using testing::TempDir;

AuditEntry entry(int n, const std::string& detail = "") {
  AuditEntry e;
  e.time = seconds(1000 + n);
  e.actor = n % 2 ? "alice" : "mssp-oncall";
  e.action = "incident.assign";
  e.detail = detail.empty() ? "{\"incident\":\"INC-00000" + std::to_string(n) + "\"}" : detail;
  return e;
}

void append(RocksStore& store, int from, int to) {
  for (int n = from; n <= to; ++n) {
    auto seq = store.append_audit(entry(n));
    REQUIRE(seq);
    CHECK(*seq == static_cast<uint64_t>(n));
  }
}

AuditVerdict verify(const std::string& dir) {
  auto store = open_store(dir);
  auto verdict = store->verify_audit();
  REQUIRE(verdict);
  return *verdict;
}

TEST_CASE("appended audit entries read back in order and verify, also after a reopen", "[storage]") {
  TempDir tmp;
  {
    auto store = open_store(tmp.sub());
    auto empty = store->verify_audit();
    REQUIRE(empty);
    CHECK(empty->intact());
    CHECK(empty->entries == 0);
    append(*store, 1, 3);
  }
  auto store = open_store(tmp.sub());
  append(*store, 4, 5);  // the chain continues from the stored head
  auto entries = store->audit_entries(2, 10);
  REQUIRE(entries);
  REQUIRE(entries->size() == 4);
  CHECK((*entries)[0].seq == 2);
  CHECK((*entries)[0].actor == "mssp-oncall");
  CHECK((*entries)[0].time == seconds(1002));
  CHECK((*entries)[3].detail == "{\"incident\":\"INC-000005\"}");
  auto verdict = store->verify_audit();
  REQUIRE(verdict);
  CHECK(verdict->intact());
  CHECK(verdict->entries == 5);
  CHECK(verdict->first_seq == 1u);
  CHECK(verdict->last_seq == 5u);
}

TEST_CASE("verify names the first damaged audit entry", "[storage]") {
  TempDir tmp;
  { append(*open_store(tmp.sub()), 1, 5); }
  const std::string key3("\0\0\0\0\0\0\0\x03", 8);

  SECTION("a byte changed in place") {
    {
      testing::RawStore raw(tmp.sub());
      std::string value = raw.get("audit", key3);
      REQUIRE(value.find("INC-000003") != std::string::npos);
      value[value.find("INC-000003") + 9] = '9';
      raw.put("audit", key3, value);
    }
    auto verdict = verify(tmp.sub());
    CHECK(verdict.first_broken == 3u);
    CHECK(verdict.problem == "audit entry 3 was changed: its content does not match its hash");
  }
  SECTION("an entry replaced by another one with a valid hash of its own") {
    TempDir other;
    {
      auto store = open_store(other.sub());
      append(*store, 1, 2);
      REQUIRE(store->append_audit(entry(3, "{\"incident\":\"INC-000666\"}")));
    }
    std::string forged;
    { forged = testing::RawStore(other.sub()).get("audit", key3); }
    { testing::RawStore(tmp.sub()).put("audit", key3, forged); }
    auto verdict = verify(tmp.sub());
    CHECK(verdict.first_broken == 3u);
    CHECK(verdict.problem == "audit entry 3 was replaced: entry 4 holds a different hash of it");
  }
  SECTION("an entry removed") {
    { testing::RawStore(tmp.sub()).erase("audit", key3); }
    auto verdict = verify(tmp.sub());
    CHECK(verdict.first_broken == 3u);
    CHECK(verdict.problem == "audit entry 3 is missing (the chain jumps to entry 4)");
  }
  SECTION("the last entries removed") {
    {
      testing::RawStore raw(tmp.sub());
      raw.erase("audit", std::string("\0\0\0\0\0\0\0\x05", 8));
      raw.erase("audit", std::string("\0\0\0\0\0\0\0\x04", 8));
    }
    auto verdict = verify(tmp.sub());
    CHECK(verdict.first_broken == 4u);
    CHECK(verdict.problem == "audit entry 4 is missing: the log ends at entry 3 but entry 5 was written");
  }
  SECTION("an entry that does not decode") {
    { testing::RawStore(tmp.sub()).put("audit", key3, "\x01garbage"); }
    auto verdict = verify(tmp.sub());
    CHECK(verdict.first_broken == 3u);
    CHECK(verdict.problem == "audit entry 3 does not decode");
  }
  SECTION("the first entry changed") {
    {
      testing::RawStore raw(tmp.sub());
      const std::string key1("\0\0\0\0\0\0\0\x01", 8);
      std::string value = raw.get("audit", key1);
      value[value.find("alice")] = 'A';
      raw.put("audit", key1, value);
    }
    auto verdict = verify(tmp.sub());
    CHECK(verdict.first_broken == 1u);
  }
}

TEST_CASE("a read-only store refuses audit appends", "[storage]") {
  TempDir tmp;
  { auto store = open_store(tmp.sub()); }
  StoreOptions options;
  options.read_only = true;
  auto store = open_store(tmp.sub(), options);
  auto seq = store->append_audit(entry(1));
  REQUIRE(!seq);
  CHECK(seq.error().message.find("read-only") != std::string::npos);
}

}  // namespace
}  // namespace vigil::storage
