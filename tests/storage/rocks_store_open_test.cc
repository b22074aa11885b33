#include <rocksdb/comparator.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "storage/store_fixtures.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::storage {
namespace {

using testing::alert_event;
using testing::make_incident;
using testing::open_store;
using testing::TempDir;

bool mentions(const Error& error, const std::string& text) { return error.message.find(text) != std::string::npos; }

void write_file(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  REQUIRE(out.good());
}

TEST_CASE("a new store is created with every column family and the current schema version", "[storage]") {
  TempDir tmp;
  { auto store = open_store(tmp.sub("nested/data")); }
  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), tmp.sub("nested/data"), &names).ok());
  for (const char* name : {"events", "incidents", "index", "state", "audit", "meta"}) {
    CHECK(std::find(names.begin(), names.end(), name) != names.end());
  }
  testing::RawStore raw(tmp.sub("nested/data"));
  CHECK(raw.get("meta", "schema_version") == "3");
  CHECK(RocksStore::kSchemaVersion == 3);
}

TEST_CASE("a missing dir without create_if_missing is an error naming it", "[storage]") {
  TempDir tmp;
  StoreOptions options;
  options.create_if_missing = false;
  auto store = RocksStore::open(tmp.sub(), options);
  REQUIRE(!store);
  CHECK(store.error().code == ErrorCode::not_found);
  CHECK(mentions(store.error(), tmp.sub()));
  CHECK(!std::filesystem::exists(tmp.sub()));

  StoreOptions read_only;
  read_only.read_only = true;
  store = RocksStore::open(tmp.sub(), read_only);
  REQUIRE(!store);
  CHECK(mentions(store.error(), tmp.sub()));
  CHECK(!std::filesystem::exists(tmp.sub()));
}

TEST_CASE("a dir that holds something else is refused and left alone", "[storage]") {
  TempDir tmp;
  std::filesystem::create_directories(tmp.sub());
  write_file(tmp.sub() + "/notes.txt", "not a database");
  auto store = RocksStore::open(tmp.sub(), {});
  REQUIRE(!store);
  CHECK(mentions(store.error(), tmp.sub()));
  CHECK(mentions(store.error(), "not a vigil data dir"));
  CHECK(std::distance(std::filesystem::directory_iterator(tmp.sub()), std::filesystem::directory_iterator()) == 1);

  write_file(tmp.sub("file"), "x");
  store = RocksStore::open(tmp.sub("file"), {});
  REQUIRE(!store);
  CHECK(mentions(store.error(), "not a directory"));
}

TEST_CASE("another program's RocksDB store is refused", "[storage]") {
  TempDir tmp;
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(options, tmp.sub(), &db).ok());
    REQUIRE(db->Put(rocksdb::WriteOptions(), "theirs", "data").ok());
    REQUIRE(db->Close().ok());
    delete db;
  }
  auto store = RocksStore::open(tmp.sub(), {});
  REQUIRE(!store);
  CHECK(mentions(store.error(), tmp.sub()));
  CHECK(mentions(store.error(), "not a vigil data dir"));
  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), tmp.sub(), &names).ok());
  CHECK(names == std::vector<std::string>{"default"});  // nothing of ours was added to it
}

TEST_CASE("a store whose creation stopped early is finished on the next open", "[storage]") {
  TempDir tmp;
  SECTION("before the column families existed") {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(options, tmp.sub(), &db).ok());
    REQUIRE(db->Close().ok());
    delete db;
  }
  SECTION("before the schema version was written") {
    { auto store = open_store(tmp.sub()); }
    testing::RawStore raw(tmp.sub());
    raw.erase("meta", "schema_version");
  }
  StoreOptions read_only;
  read_only.read_only = true;
  CHECK(!RocksStore::open(tmp.sub(), read_only));  // a reader never finishes someone's creation
  auto store = open_store(tmp.sub());
  CHECK(store->schema_version() == RocksStore::kSchemaVersion);
  REQUIRE(store->append(std::vector<Event>{alert_event(1, 1)}));
}

TEST_CASE("a corrupt store is an error naming the dir, not a crash", "[storage]") {
  TempDir tmp;
  {
    auto store = open_store(tmp.sub());
    REQUIRE(store->append(std::vector<Event>{alert_event(1, 1)}));
  }
  SECTION("CURRENT names no manifest") { write_file(tmp.sub() + "/CURRENT", "MANIFEST-999999\n"); }
  SECTION("CURRENT is garbage") { write_file(tmp.sub() + "/CURRENT", std::string("\xff\x00garbage", 9)); }
  SECTION("the manifest is garbage") {
    for (const auto& entry : std::filesystem::directory_iterator(tmp.sub())) {
      if (entry.path().filename().string().starts_with("MANIFEST-")) {
        write_file(entry.path(), std::string(4096, '\x5a'));
      }
    }
  }
  for (bool read_only : {false, true}) {
    StoreOptions options;
    options.read_only = read_only;
    auto store = RocksStore::open(tmp.sub(), options);
    REQUIRE(!store);
    CHECK(mentions(store.error(), tmp.sub()));
  }
}

TEST_CASE("a store written by a newer schema is refused with both versions named", "[storage]") {
  TempDir tmp;
  { auto store = open_store(tmp.sub()); }
  {
    testing::RawStore raw(tmp.sub());
    raw.put("meta", "schema_version", std::to_string(RocksStore::kSchemaVersion + 1));
  }
  for (bool read_only : {false, true}) {
    StoreOptions options;
    options.read_only = read_only;
    auto store = RocksStore::open(tmp.sub(), options);
    REQUIRE(!store);
    CHECK(store.error().code == ErrorCode::unsupported);
    CHECK(store.error().message == "data dir " + tmp.sub() + " was written by a newer vigil (schema " +
                                       std::to_string(RocksStore::kSchemaVersion + 1) + ", this build reads up to " +
                                       std::to_string(RocksStore::kSchemaVersion) + ")");
  }
}

TEST_CASE("a store of the schema 1 and 2 development builds is refused, not misread", "[storage]") {
  for (const char* old : {"1", "2"}) {
    INFO("schema " << old);
    TempDir tmp;
    { auto store = open_store(tmp.sub()); }
    {
      testing::RawStore raw(tmp.sub());
      raw.put("meta", "schema_version", old);
    }
    for (bool read_only : {false, true}) {
      StoreOptions options;
      options.read_only = read_only;
      auto store = RocksStore::open(tmp.sub(), options);
      REQUIRE(!store);
      CHECK(store.error().code == ErrorCode::unsupported);
      CHECK(mentions(store.error(), "data dir " + tmp.sub() + " was written by an older development build (schema " +
                                        std::string(old)));
    }
  }
}

TEST_CASE("a newer schema's extra column family with its own comparator still gets the newer-schema message", "[storage]") {
  TempDir tmp;
  { auto store = open_store(tmp.sub()); }
  {
    testing::RawStore raw(tmp.sub());
    raw.put("meta", "schema_version", "9");
  }
  {
    std::vector<std::string> names;
    REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), tmp.sub(), &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& name : names) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), tmp.sub(), descriptors, &handles, &db).ok());
    rocksdb::ColumnFamilyHandle* added = nullptr;
    rocksdb::ColumnFamilyOptions reversed;  // options this build cannot open the family with
    reversed.comparator = rocksdb::ReverseBytewiseComparator();
    REQUIRE(db->CreateColumnFamily(reversed, "sensors_v9", &added).ok());
    handles.push_back(added);
    for (auto* handle : handles) REQUIRE(db->DestroyColumnFamilyHandle(handle).ok());
    REQUIRE(db->Close().ok());
    delete db;
  }
  auto store = RocksStore::open(tmp.sub(), {});
  REQUIRE(!store);
  CHECK(mentions(store.error(), "newer vigil (schema 9"));
}

TEST_CASE("a read-only open sees what an earlier writer left and refuses writes", "[storage]") {
  TempDir tmp;
  {
    auto writer = open_store(tmp.sub());
    REQUIRE(writer->append(std::vector<Event>{alert_event(seconds(1), 1)}));
    REQUIRE(writer->put(make_incident(1, IncidentState::new_, seconds(1))));
    REQUIRE(writer->put_state("k", "v"));
  }
  StoreOptions options;
  options.read_only = true;
  auto reader = open_store(tmp.sub(), options);
  CHECK(reader->read_only());
  auto events = reader->query({});
  REQUIRE(events);
  CHECK(events->size() == 1);
  IncidentQuery open_only;
  open_only.open_only = true;
  auto incidents = reader->list(open_only);
  REQUIRE(incidents);
  CHECK(incidents->size() == 1);
  auto state = reader->get_state("k");
  REQUIRE(state);
  CHECK(state->value_or("") == "v");

  auto appended = reader->append(std::vector<Event>{alert_event(seconds(2), 2)});
  REQUIRE(!appended);
  CHECK(mentions(appended.error(), "read-only"));
  CHECK(!reader->put(make_incident(2, IncidentState::new_, 0)));
  CHECK(!reader->put_state("k", "w"));
  CHECK(!reader->erase_state("k"));
  CHECK(!reader->next_incident_number());

  // A second reader at the same time is fine: read-only opens take no lock.
  auto second = open_store(tmp.sub(), options);
  auto again = second->query({});
  REQUIRE(again);
  CHECK(again->size() == 1);
}

TEST_CASE("a read-only open sees writes still only in the write-ahead log", "[storage]") {
  TempDir tmp;
  auto writer = open_store(tmp.sub());
  REQUIRE(writer->append(std::vector<Event>{alert_event(seconds(1), 1), alert_event(seconds(2), 2)}));
  StoreOptions options;
  options.read_only = true;
  auto reader = open_store(tmp.sub(), options);
  auto events = reader->query({});
  REQUIRE(events);
  CHECK(events->size() == 2);
}

TEST_CASE("a second writer on the same dir is refused", "[storage]") {
  TempDir tmp;
  auto first = open_store(tmp.sub());
  auto second = RocksStore::open(tmp.sub(), {});
  REQUIRE(!second);
  CHECK(mentions(second.error(), tmp.sub()));
  CHECK(mentions(second.error(), "already open for writing"));
}

}  // namespace
}  // namespace vigil::storage
