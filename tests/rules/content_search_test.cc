// Content matching against a byte-by-byte model: random patterns (case-sensitive and nocase,
// 1 to 40 bytes, so both the 16-position blocks and the tail of the search are used) in random
// payloads over a small alphabet (many partial matches), with and without offset/depth windows.
// The alphabet holds the bytes next to 'A'..'Z' and 'a'..'z' and their high-bit twins, which
// nocase must not fold.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "rules_test_util.h"

using namespace vigil::rules;
using namespace vigil::rules::testing;

namespace {

const std::string kAlphabet("aAbBzZ@[`{\xc1\xe1\xda\xfa\x00-", 16);

struct ContentModel {
  std::string pattern;  // as the rule gives it (nocase: any case)
  bool nocase = false;
  int offset = -1;  // -1: no window
  int depth = 0;
};

uint8_t lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? static_cast<uint8_t>(c + 32) : c; }

bool occurs(const ContentModel& c, const std::string& payload) {
  const size_t begin = c.offset < 0 ? 0 : static_cast<size_t>(c.offset);
  const size_t end = c.offset < 0 ? payload.size() : std::min(payload.size(), begin + static_cast<size_t>(c.depth));
  for (size_t at = begin; at + c.pattern.size() <= end; ++at) {
    bool equal = true;
    for (size_t k = 0; k < c.pattern.size() && equal; ++k) {
      const auto a = static_cast<uint8_t>(payload[at + k]);
      const auto b = static_cast<uint8_t>(c.pattern[k]);
      equal = c.nocase ? lower(a) == lower(b) : a == b;
    }
    if (equal) return true;
  }
  return false;
}

std::string hex_content(const ContentModel& c) {
  std::string text = "content:\"|";
  char byte[4];
  for (unsigned char ch : c.pattern) {
    std::snprintf(byte, sizeof byte, "%02x ", ch);
    text += byte;
  }
  text.back() = '|';
  text += "\";";
  if (c.nocase) text += " nocase;";
  if (c.offset >= 0) text += " offset:" + std::to_string(c.offset) + "; depth:" + std::to_string(c.depth) + ";";
  return text;
}

std::string random_bytes(std::mt19937& rng, size_t n) {
  std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
  std::string s;
  for (size_t i = 0; i < n; ++i) s += kAlphabet[pick(rng)];
  return s;
}

}  // namespace

TEST_CASE("content: rules fire exactly where a byte-by-byte search finds their contents", "[rules][content]") {
  std::mt19937 rng(20261201);
  std::uniform_int_distribution<int> coin(0, 1);
  size_t alerts = 0;  // so that the model's "no" is not all the test checks
  for (int set_round = 0; set_round < 6; ++set_round) {
    // Rule sid i: one content anywhere (the fast pattern) and, for odd sids, a second one in a
    // window; patterns are cut from a payload-like string so that many of them occur.
    const std::string source = random_bytes(rng, 200);
    std::vector<std::vector<ContentModel>> rules;
    std::string text;
    for (uint32_t sid = 1; sid <= 40; ++sid) {
      const auto cut = [&](size_t longest) {
        ContentModel c;
        const size_t length = std::uniform_int_distribution<size_t>(1, longest)(rng);
        const size_t at = std::uniform_int_distribution<size_t>(0, source.size() - length)(rng);
        c.pattern = source.substr(at, length);
        c.nocase = coin(rng) == 1;
        return c;
      };
      std::vector<ContentModel> contents{cut(sid % 4 == 0 ? 40 : 6)};
      if (sid % 2 == 1) {
        ContentModel windowed = cut(4);
        windowed.offset = std::uniform_int_distribution<int>(0, 40)(rng);
        windowed.depth = std::uniform_int_distribution<int>(static_cast<int>(windowed.pattern.size()), 60)(rng);
        contents.push_back(windowed);
      }
      text += "alert tcp any any -> any any (msg:\"m\"; ";
      for (const ContentModel& c : contents) text += hex_content(c) + " ";
      text += "sid:" + std::to_string(sid) + ";)\n";
      rules.push_back(contents);
    }
    Scanner scanner(compile_clean(text));
    for (int p = 0; p < 150; ++p) {
      // Payloads are slices of the same source (so patterns occur) with random bytes changed.
      const size_t length = std::uniform_int_distribution<size_t>(0, 120)(rng);
      const size_t at = std::uniform_int_distribution<size_t>(0, source.size() - length)(rng);
      std::string payload = source.substr(at, length);
      for (char& ch : payload) {
        if (std::uniform_int_distribution<int>(0, 9)(rng) == 0) ch = random_bytes(rng, 1)[0];
      }
      std::vector<uint32_t> expected;
      for (uint32_t sid = 1; sid <= rules.size(); ++sid) {
        const auto& contents = rules[sid - 1];
        if (std::all_of(contents.begin(), contents.end(), [&](const ContentModel& c) { return occurs(c, payload); })) {
          expected.push_back(sid);
        }
      }
      INFO("set " << set_round << ", payload " << p << " of " << payload.size() << " bytes");
      CHECK(scan_sids(scanner, http_request(payload)) == expected);
      alerts += expected.size();
    }
  }
  CHECK(alerts > 2000);  // 5,808 with this seed
}

TEST_CASE("content: nocase folds ASCII letters only", "[rules][content]") {
  CHECK(fires("alert tcp any any -> any any (msg:\"t\"; content:\"Ab@\"; nocase; sid:1;)", "xxaB@"));
  // '@' and '`', '[' and '{' differ by the case bit but are not letters.
  CHECK_FALSE(fires("alert tcp any any -> any any (msg:\"t\"; content:\"a`\"; nocase; sid:1;)", "xxA@"));
  CHECK_FALSE(fires("alert tcp any any -> any any (msg:\"t\"; content:\"z{\"; nocase; sid:1;)", "xxZ["));
  // Bytes with the high bit set are not letters either (0xC1 is 'A' + 0x80).
  CHECK_FALSE(fires("alert tcp any any -> any any (msg:\"t\"; content:\"|e1|\"; nocase; sid:1;)", "x\xc1x"));
  // A match that ends exactly at the payload's end, past one block of 16 starts.
  CHECK(fires("alert tcp any any -> any any (msg:\"t\"; content:\"tail\"; nocase; sid:1;)",
              std::string(37, '-') + "TaIl"));
}
