#include <catch2/catch.hpp>

#include "rules_test_util.h"

using namespace vigil::rules;
using namespace vigil::rules::testing;

namespace {
std::string rule(const std::string& options) {
  return "alert tcp any any -> any any (msg:\"t\"; " + options + " sid:1;)";
}
}  // namespace

TEST_CASE("content: plain, hex, escapes, nocase", "[rules][content]") {
  CHECK(fires(rule("content:\"GET /\";"), "GET /index.html"));
  CHECK_FALSE(fires(rule("content:\"GET /\";"), "get /index.html"));
  CHECK(fires(rule("content:\"GET /\"; nocase;"), "get /index.html"));
  CHECK(fires(rule("content:\"|47 45 54|\";"), "xxGETxx"));
  CHECK(fires(rule("content:\"A|0d 0a|B\";"), "A\r\nB"));
  CHECK(fires(rule("content:\"|0D0A|\";"), "x\r\n"));
  CHECK(fires(rule("content:\"a\\\"b\\;c\\\\d\\:e\";"), "a\"b;c\\d:e"));
  std::string binary("\x00\x01\xff", 3);
  CHECK(fires(rule("content:\"|00 01 FF|\";"), binary));
  CHECK_FALSE(fires(rule("content:\"|00 01 FE|\";"), binary));
}

TEST_CASE("content: offset and depth are absolute", "[rules][content]") {
  CHECK(fires(rule("content:\"abc\"; offset:2;"), "xxabc"));
  CHECK_FALSE(fires(rule("content:\"abc\"; offset:3;"), "xxabc"));
  CHECK(fires(rule("content:\"abc\"; depth:5;"), "xxabcxx"));
  CHECK_FALSE(fires(rule("content:\"abc\"; depth:4;"), "xxabcxx"));
  // depth counts from offset.
  CHECK(fires(rule("content:\"abc\"; offset:2; depth:3;"), "xxabc"));
  CHECK_FALSE(fires(rule("content:\"abc\"; offset:1; depth:3;"), "xxabc"));
  CHECK(fires(rule("content:\"abc\"; offset:1; depth:4;"), "xxabc"));
  // A later occurrence inside the window still counts.
  CHECK(fires(rule("content:\"ab\"; offset:3;"), "ab_ab"));
}

TEST_CASE("content: distance and within are relative to the previous match", "[rules][content]") {
  CHECK(fires(rule("content:\"aa\"; content:\"bb\"; distance:0;"), "aabb"));
  CHECK_FALSE(fires(rule("content:\"aa\"; content:\"bb\"; distance:0;"), "bbaa"));
  CHECK(fires(rule("content:\"aa\"; content:\"bb\"; distance:2;"), "aaxxbb"));
  CHECK_FALSE(fires(rule("content:\"aa\"; content:\"bb\"; distance:3;"), "aaxxbb"));
  CHECK(fires(rule("content:\"aa\"; content:\"bb\"; within:4;"), "aaxxbb"));
  CHECK_FALSE(fires(rule("content:\"aa\"; content:\"bb\"; within:3;"), "aaxxbb"));
  // within counts from the end of the previous match plus distance.
  CHECK(fires(rule("content:\"aa\"; content:\"bb\"; distance:1; within:3;"), "aaxxbb"));
  CHECK_FALSE(fires(rule("content:\"aa\"; content:\"bb\"; distance:1; within:2;"), "aaxxbb"));
  // Negative distance looks back.
  CHECK(fires(rule("content:\"bb\"; content:\"ab\"; distance:-3; within:2;"), "abb"));
  // Without distance/within the second content is independent of the first.
  CHECK(fires(rule("content:\"bb\"; content:\"aa\";"), "bbaa"));
  CHECK(fires(rule("content:\"bb\"; content:\"aa\";"), "aabb"));
}

TEST_CASE("content chain backtracks to later occurrences of earlier contents", "[rules][content]") {
  // The first "a=" is followed by the wrong thing; the second one works.
  CHECK(fires(rule("content:\"a=\"; content:\"1\"; within:1;"), "a=2 a=1"));
  CHECK(fires(rule("content:\"x\"; content:\"y\"; distance:0; within:1; content:\"z\"; distance:0; within:1;"),
              "xy_xyq_xyz"));
  CHECK_FALSE(fires(rule("content:\"x\"; content:\"y\"; distance:0; within:1; content:\"z\"; distance:0; within:1;"),
                    "xy_xyq_xzy"));
  // Backtracking also applies to the fast pattern, wherever it sits in the chain.
  CHECK(fires(rule("content:\"k\"; content:\"LONGPATTERN\"; distance:0; within:12;"), "k..........k.LONGPATTERN"));
}

TEST_CASE("negated content", "[rules][content]") {
  CHECK(fires(rule("content:\"GET\"; content:!\"admin\";"), "GET /index"));
  CHECK_FALSE(fires(rule("content:\"GET\"; content:!\"admin\";"), "GET /admin"));
  // Relative negation only looks in its window.
  CHECK(fires(rule("content:\"GET\"; content:!\"admin\"; distance:0; within:3;"), "GET /x/admin"));
  CHECK_FALSE(fires(rule("content:\"GET\"; content:!\"/ad\"; distance:0; within:4;"), "GET /admin"));
  // A rule with only a negated content matches payloads without it.
  CHECK(fires(rule("content:!\"secret\";"), "public"));
  CHECK_FALSE(fires(rule("content:!\"secret\";"), "top secret"));
  CHECK(fires(rule("content:\"a\"; content:!\"B\"; nocase;"), "a c"));
  CHECK_FALSE(fires(rule("content:\"a\"; content:!\"B\"; nocase;"), "a b"));
}

TEST_CASE("startswith, endswith and fast_pattern variants", "[rules][content]") {
  CHECK(fires(rule("content:\"GET\"; startswith;"), "GET /"));
  CHECK_FALSE(fires(rule("content:\"GET\"; startswith;"), " GET /"));
  CHECK(fires(rule("content:\".exe\"; endswith;"), "file.exe"));
  CHECK_FALSE(fires(rule("content:\".exe\"; endswith;"), "file.exe.txt"));
  CHECK(fires(rule("content:\"abcdef\"; fast_pattern:only;"), "xxabcdefxx"));
  CHECK(fires(rule("content:\"abcdef\"; fast_pattern:2,3; content:\"zz\";"), "abcdef zz"));
  // fast_pattern:o,l only chooses the prefilter; the whole content must still match.
  CHECK_FALSE(fires(rule("content:\"abcdef\"; fast_pattern:2,3; content:\"zz\";"), "xxcdexx zz"));
  CHECK(fires(rule("content:\"short\"; fast_pattern; content:\"muchlongercontent\"; rawbytes;"),
              "short muchlongercontent"));
  CHECK(fires(rule("content:\"AbC\"; nocase; fast_pattern; content:\"x\";"), "abc x"));
}

TEST_CASE("identical fast patterns in many rules share one prefilter entry", "[rules][content]") {
  auto set = compile_clean(
      "alert tcp any any -> any any (msg:\"1\"; content:\"shared\"; content:\"one\"; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"2\"; content:\"shared\"; content:\"two\"; sid:2;)\n"
      "alert tcp any any -> any any (msg:\"3\"; content:\"SHARED\"; nocase; sid:3;)\n");
  Scanner scanner(set);
  CHECK(scan_sids(scanner, http_request("shared two")) == std::vector<uint32_t>{2, 3});
  CHECK(scan_sids(scanner, http_request("Shared one")) == std::vector<uint32_t>{3});
}

TEST_CASE("pcre with flags, relative and negated", "[rules][pcre]") {
  CHECK(fires(rule("pcre:\"/id=\\d+/\";"), "GET /?id=42"));
  CHECK_FALSE(fires(rule("pcre:\"/id=\\d+/\";"), "GET /?id=x"));
  CHECK(fires(rule("pcre:\"/ID=/i\";"), "id="));
  CHECK_FALSE(fires(rule("pcre:\"/ID=/\";"), "id="));
  CHECK(fires(rule("pcre:\"/a.b/s\";"), "a\nb"));
  CHECK_FALSE(fires(rule("pcre:\"/a.b/\";"), "a\nb"));
  CHECK(fires(rule("pcre:\"/^two$/m\";"), "one\ntwo\nthree"));
  CHECK_FALSE(fires(rule("pcre:\"/^two$/\";"), "one\ntwo\nthree"));
  CHECK(fires(rule("pcre:\"/a b c/x\";"), "abc"));
  // R: relative to the end of the previous content match; ^ anchors there.
  CHECK(fires(rule("content:\"user=\"; pcre:\"/^[a-z]+\\;/R\";"), "user=root;"));
  CHECK_FALSE(fires(rule("content:\"user=\"; pcre:\"/^[a-z]+\\;/R\";"), "x;user=ROOT;"));
  CHECK(fires(rule("content:\"k=\"; pcre:\"/^1/R\";"), "k=2 k=1"));  // backtracks to the second k=
  CHECK(fires(rule("content:\"GET\"; pcre:!\"/admin/i\";"), "GET /index"));
  CHECK_FALSE(fires(rule("content:\"GET\"; pcre:!\"/admin/i\";"), "GET /ADMIN"));
  CHECK(fires(rule("pcre:\"/semi\\;colon/\";"), "semi;colon"));
  // A content after a relative pcre continues from the pcre match end.
  CHECK(fires(rule("pcre:\"/a+/\"; content:\"b\"; within:1;"), "aaab"));
}

TEST_CASE("pcre stops at Suricata's match limit: a regex that backtracks too much does not match", "[rules][pcre]") {
  // pcre.match-limit 3500 (Suricata's default): /(a+)+c/ tries every split of a run of a's before
  // the b; 4 a's are a few dozen steps, 16 are tens of thousands, past the limit. Suricata gives up
  // and does not alert; so does vigil, instead of spending seconds of a worker on one packet.
  CHECK(fires(rule("pcre:\"/(a+)+c/\";"), "aaaabac"));
  CHECK_FALSE(fires(rule("pcre:\"/(a+)+c/\";"), std::string(16, 'a') + "bac"));
  CHECK(fires(rule("pcre:\"/a+c/\";"), std::string(400, 'a') + "bac"));  // long but linear: matches
}

TEST_CASE("isdataat absolute, relative and negated", "[rules][content]") {
  CHECK(fires(rule("content:\"ab\"; isdataat:4;"), "abcde"));
  CHECK_FALSE(fires(rule("content:\"ab\"; isdataat:5;"), "abcde"));
  CHECK(fires(rule("content:\"ab\"; isdataat:3,relative;"), "abcde"));
  CHECK_FALSE(fires(rule("content:\"ab\"; isdataat:4,relative;"), "abcde"));
  CHECK(fires(rule("content:\"de\"; isdataat:!1,relative;"), "abcde"));
  CHECK_FALSE(fires(rule("content:\"cd\"; isdataat:!1,relative;"), "abcde"));
}

TEST_CASE("byte_test, byte_jump and byte_extract", "[rules][content]") {
  const std::string msg("\x18\x03\x00\x02\x01\x40XYZ", 9);
  CHECK(fires(rule("content:\"|18 03|\"; depth:2; byte_test:1,<,4,2;"), msg));
  CHECK_FALSE(fires(rule("content:\"|18 03|\"; depth:2; byte_test:1,>,4,2;"), msg));
  CHECK(fires(rule("content:\"|18 03|\"; byte_test:2,=,2,0,relative;"), msg));
  CHECK(fires(rule("content:\"|18 03|\"; byte_test:2,=,512,0,relative,little;"), msg));
  CHECK(fires(rule("content:\"|18 03|\"; byte_test:1,&,0x40,3,relative;"), msg));
  CHECK(fires(rule("content:\"|18 03|\"; byte_test:1,!&,0x80,3,relative;"), msg));
  CHECK(fires(rule("content:\"|18 03|\"; byte_test:1,!=,7,3,relative;"), msg));
  CHECK_FALSE(fires(rule("content:\"|18 03|\"; byte_test:4,>,0,7,relative;"), msg));  // reads past the end
  // byte_jump: skip the 2-byte length field's value (2) from after the field, then match.
  CHECK(fires(rule("content:\"|18 03|\"; byte_jump:2,0,relative; content:\"XYZ\"; within:3;"), msg.substr(0, 4) + "zzXYZ"));
  CHECK_FALSE(fires(rule("content:\"|18 03|\"; byte_jump:2,0,relative; content:\"XYZ\"; within:3;"), msg.substr(0, 4) + "zzzXYZ"));
  CHECK(fires(rule("content:\"L\"; byte_jump:1,0,relative,string,dec; content:\"!\"; within:1;"), "L3abc!"));
  CHECK(fires(rule("content:\"|18 03|\"; byte_jump:1,3,from_beginning; content:\"XYZ\"; within:3;"), std::string("\x18\x03\x01\x04", 4) + "XYZ"));
  // byte_extract a value and use it in byte_test and as a distance.
  CHECK(fires(rule("content:\"|18|\"; byte_extract:1,0,len,relative; byte_test:1,=,len,0,relative;"),
              std::string("\x18\x05\x05", 3)));
  CHECK_FALSE(fires(rule("content:\"|18|\"; byte_extract:1,0,len,relative; byte_test:1,=,len,0,relative;"),
                    std::string("\x18\x05\x06", 3)));
  CHECK(fires(rule("content:\"N\"; byte_extract:1,0,skip,relative,string; content:\"!\"; distance:skip; within:1;"),
              "N2ab!"));
  CHECK(fires(rule("content:\"|00|\"; byte_test:3,>,0x3FF,0,relative,string,hex;"), std::string("\x00", 1) + "4A0"));
  // A count of 0 loads as in Suricata (ET Open has one) and reads no number, so it never matches.
  CHECK_FALSE(fires(rule("content:\"id=\"; byte_test:0,>=,1,0,string,dec,relative;"), "id=12345"));
}

TEST_CASE("empty payload never matches payload rules but header rules still fire", "[rules][content]") {
  auto set = compile_clean(
      "alert tcp any any -> any any (msg:\"c\"; content:\"x\"; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"h\"; flags:S; sid:2;)\n"
      "alert tcp any any -> any any (msg:\"d\"; dsize:0; sid:3;)\n");
  Scanner scanner(set);
  Packet syn = http_request("");
  syn.tcp_flags = kTcpSyn;
  CHECK(scan_sids(scanner, syn) == std::vector<uint32_t>{2, 3});
}

TEST_CASE("options split at unescaped semicolons only, as Suricata", "[rules][parser]") {
  // A pcre may hold a lone double quote (ET sid 2029732 does).
  CHECK(fires(rule("content:\"method=\"; pcre:\"/^[\"']?post/Ri\";"), "method='POST"));
  CHECK(fires(rule("content:\"a\\;b\";"), "a;b"));
}
