// Incident lists as responders make them: by state, open only, severity, layer, assignee and
// first_seen range, newest first, paged with a cursor.
#include <catch2/catch.hpp>

#include "storage/store_fixtures.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::storage {
namespace {

using testing::ids;
using testing::make_incident;
using testing::open_store;
using testing::TempDir;

// INC-000001..8, first_seen 100 s apart; states, severities, layers and assignees vary.
void fill(RocksStore& store) {
  const IncidentState states[] = {IncidentState::new_,     IncidentState::acknowledged, IncidentState::closed,
                                  IncidentState::new_,     IncidentState::resolved,     IncidentState::contained,
                                  IncidentState::investigating, IncidentState::new_};
  for (uint64_t n = 1; n <= 8; ++n) {
    Incident incident = make_incident(n, states[n - 1], seconds(static_cast<int64_t>(n) * 100));
    incident.severity = n % 2 == 0 ? Severity::critical : Severity::medium;
    incident.layer = n <= 4 ? 1 : 2;
    incident.assignee = n % 3 == 0 ? "" : n % 3 == 1 ? "alice" : "mssp-oncall";
    REQUIRE(store.put(incident));
  }
}

std::vector<std::string> run(RocksStore& store, IncidentQuery query) {
  query.limit = 100;
  auto listed = store.list(query);
  REQUIRE(listed);
  return ids(*listed);
}

std::vector<std::string> numbers(std::initializer_list<int> list) {
  std::vector<std::string> out;
  for (int n : list) out.push_back(format_incident_id(static_cast<uint64_t>(n)));
  return out;
}

TEST_CASE("each incident filter returns exactly the matching incidents, newest first", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  fill(*store);
  IncidentQuery q;
  SECTION("none") { CHECK(run(*store, q) == numbers({8, 7, 6, 5, 4, 3, 2, 1})); }
  SECTION("state") {
    q.state = IncidentState::new_;
    CHECK(run(*store, q) == numbers({8, 4, 1}));
  }
  SECTION("open only") {
    q.open_only = true;
    CHECK(run(*store, q) == numbers({8, 7, 6, 4, 2, 1}));
  }
  SECTION("severity") {
    q.severity = Severity::critical;
    CHECK(run(*store, q) == numbers({8, 6, 4, 2}));
  }
  SECTION("layer") {
    q.layer = 2;
    CHECK(run(*store, q) == numbers({8, 7, 6, 5}));
  }
  SECTION("assignee, and unassigned") {
    q.assignee = "alice";
    CHECK(run(*store, q) == numbers({7, 4, 1}));
    q.assignee = "";
    CHECK(run(*store, q) == numbers({6, 3}));
  }
  SECTION("first_seen range") {
    q.from = seconds(300);
    q.until = seconds(600);
    CHECK(run(*store, q) == numbers({5, 4, 3}));
  }
  SECTION("together") {
    q.open_only = true;
    q.severity = Severity::critical;
    q.layer = 1;
    CHECK(run(*store, q) == numbers({4, 2}));
    q.assignee = "mssp-oncall";
    CHECK(run(*store, q) == numbers({2}));
  }
}

TEST_CASE("an incident moved to another state, severity, layer or assignee is listed only under the new one", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  Incident incident = make_incident(1, IncidentState::new_, seconds(10));
  REQUIRE(store->put(incident));
  incident.state = IncidentState::investigating;
  incident.severity = Severity::critical;
  incident.layer = 4;
  incident.assignee = "ncsc-liaison";
  REQUIRE(store->put(incident));
  IncidentQuery q;
  q.state = IncidentState::new_;
  CHECK(run(*store, q).empty());
  q = {};
  q.severity = Severity::high;
  CHECK(run(*store, q).empty());
  q = {};
  q.layer = 2;
  CHECK(run(*store, q).empty());
  q = {};
  q.assignee = "mssp-oncall";
  CHECK(run(*store, q).empty());
  q = {};
  q.state = IncidentState::investigating;
  q.severity = Severity::critical;
  q.layer = 4;
  q.assignee = "ncsc-liaison";
  CHECK(run(*store, q) == numbers({1}));
  store.reset();
  testing::RawStore raw(tmp.sub());
  CHECK(raw.keys("index", "i").size() == 5);  // nothing of the old record is left behind
}

TEST_CASE("incident pages follow the cursor to the end, also across states merged for open_only", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  fill(*store);
  for (bool open_only : {false, true}) {
    INFO("open_only " << open_only);
    IncidentQuery q;
    q.open_only = open_only;
    q.limit = 2;
    std::vector<std::string> paged;
    for (int pages = 0;; ++pages) {
      REQUIRE(pages < 10);
      auto page = store->list_page(q);
      REQUIRE(page);
      for (const auto& incident : page->incidents) paged.push_back(incident.id);
      if (page->next_cursor.empty()) break;
      q.cursor = page->next_cursor;
    }
    CHECK(paged == (open_only ? numbers({8, 7, 6, 4, 2, 1}) : numbers({8, 7, 6, 5, 4, 3, 2, 1})));
  }
  IncidentQuery bad;
  bad.cursor = "nope";
  auto page = store->list_page(bad);
  REQUIRE(!page);
  CHECK(page.error().code == ErrorCode::invalid_argument);
}

TEST_CASE("incidents with the same first_seen are all listed, highest id first", "[storage]") {
  TempDir tmp;
  auto store = open_store(tmp.sub());
  for (uint64_t n = 1; n <= 5; ++n) REQUIRE(store->put(make_incident(n, IncidentState::new_, seconds(7))));
  IncidentQuery q;
  q.limit = 2;
  std::vector<std::string> paged;
  for (int pages = 0; pages < 5; ++pages) {
    auto page = store->list_page(q);
    REQUIRE(page);
    for (const auto& incident : page->incidents) paged.push_back(incident.id);
    if (page->next_cursor.empty()) break;
    q.cursor = page->next_cursor;
  }
  CHECK(paged == numbers({5, 4, 3, 2, 1}));
}

}  // namespace
}  // namespace vigil::storage
