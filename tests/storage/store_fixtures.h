// Helpers shared by the storage tests: a temp dir per test, event and incident builders, and a
// raw RocksDB handle to plant what only a broken or newer store would contain.
// Thread contract: test-only, one thread.
#pragma once

#include <rocksdb/db.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "vigil/core/event.h"
#include "vigil/core/incident.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::storage::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "vigil-storage-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;  // best effort: a leftover temp dir must not fail the test
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // A path inside the temp dir that does not exist yet: the data dir of most tests.
  std::string sub(const std::string& name = "data") const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::unique_ptr<RocksStore> open_store(const std::string& dir, StoreOptions options = {}) {
  auto store = RocksStore::open(dir, options);
  if (!store) {
    FAIL("open failed: " << store.error().message);
  }
  return std::move(*store);
}

inline IpAddress ip(const std::string& text) {
  auto parsed = IpAddress::parse(text);
  REQUIRE(parsed);
  return *parsed;
}

inline Event alert_event(Timestamp timestamp, uint64_t seq, uint32_t sid = 2001) {
  Event event;
  event.type = EventType::alert;
  event.timestamp = timestamp;
  event.seq = seq;
  event.flow_id = 1234567;
  event.src_ip = ip("10.1.2.3");
  event.dest_ip = ip("192.168.7.9");
  event.src_port = 40000;
  event.dest_port = 22;
  event.proto = kProtoTcp;
  event.sensor = "wan-1";
  event.zone = "wan";
  AlertInfo alert;
  alert.signature_id = sid;
  alert.rev = 3;
  alert.signature = "ET SCAN test";
  alert.category = "Attempted Information Leak";
  alert.severity = 2;
  event.alert = alert;
  event.payload = "SSH-2.0";
  return event;
}

inline Event flow_event(Timestamp timestamp, uint64_t seq) {
  Event event;
  event.type = EventType::flow;
  event.timestamp = timestamp;
  event.seq = seq;
  event.flow_id = 99;
  event.src_ip = ip("2001:db8::1");
  event.dest_ip = ip("2001:db8:ffff::53");
  event.src_port = 5353;
  event.dest_port = 53;
  event.proto = kProtoUdp;
  event.sensor = "dc-1";
  event.zone = "datacenter";
  FlowInfo flow;
  flow.pkts_toserver = 3;
  flow.pkts_toclient = 2;
  flow.bytes_toserver = 300;
  flow.bytes_toclient = 200;
  flow.start = timestamp - 5'000'000;
  flow.end = timestamp;
  flow.state = "closed";
  flow.reason = "timeout";
  flow.alerted = true;
  event.flow = flow;
  return event;
}

inline Incident make_incident(uint64_t number, IncidentState state, Timestamp first_seen) {
  Incident incident;
  incident.id = format_incident_id(number);
  incident.title = "SSH brute force from 10.1.2.3";
  incident.severity = Severity::high;
  incident.state = state;
  incident.layer = 2;
  incident.assignee = "mssp-oncall";
  incident.rule_id = "ssh-bruteforce";
  incident.group_key = "10.1.2.3";
  incident.first_seen = first_seen;
  incident.last_seen = first_seen + 60'000'000;
  incident.event_count = 21;
  incident.events = {{first_seen, 1}, {first_seen + 1, 2}};
  incident.observables = {{"ip", "10.1.2.3"}};
  incident.timeline = {{first_seen, "correlator", "opened"}};
  incident.report.detected_at = first_seen;
  incident.report.initial_due = first_seen + hours(24);
  incident.report.full_due = first_seen + hours(72);
  return incident;
}

inline std::vector<uint64_t> seqs(const std::vector<Event>& events) {
  std::vector<uint64_t> out;
  for (const auto& event : events) out.push_back(event.seq);
  return out;
}

inline std::vector<std::string> ids(const std::vector<Incident>& incidents) {
  std::vector<std::string> out;
  for (const auto& incident : incidents) out.push_back(incident.id);
  return out;
}

// The data dir opened with RocksDB directly (every column family), closed on destruction. Only
// for what the public API must never be able to do: plant a newer schema or a broken record.
class RawStore {
 public:
  explicit RawStore(const std::string& dir) {
    std::vector<std::string> names;
    REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& name : names) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), dir, descriptors, &handles_, &db_).ok());
  }
  ~RawStore() {
    for (auto* handle : handles_) CHECK(db_->DestroyColumnFamilyHandle(handle).ok());
    CHECK(db_->Close().ok());
    delete db_;
  }
  RawStore(const RawStore&) = delete;
  RawStore& operator=(const RawStore&) = delete;

  rocksdb::ColumnFamilyHandle* cf(const std::string& name) {
    for (auto* handle : handles_) {
      if (handle->GetName() == name) return handle;
    }
    FAIL("no column family " << name);
    return nullptr;
  }
  void put(const std::string& family, const std::string& key, const std::string& value) {
    REQUIRE(db_->Put(rocksdb::WriteOptions(), cf(family), key, value).ok());
  }
  std::string get(const std::string& family, const std::string& key) {
    std::string value;
    const auto status = db_->Get(rocksdb::ReadOptions(), cf(family), key, &value);
    REQUIRE((status.ok() || status.IsNotFound()));
    return value;
  }
  void erase(const std::string& family, const std::string& key) {
    REQUIRE(db_->Delete(rocksdb::WriteOptions(), cf(family), key).ok());
  }
  // Keys of one column family that start with `prefix`, in order.
  std::vector<std::string> keys(const std::string& family, const std::string& prefix) {
    std::vector<std::string> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(family)));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      out.push_back(it->key().ToString());
    }
    REQUIRE(it->status().ok());
    return out;
  }

 private:
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace vigil::storage::testing
