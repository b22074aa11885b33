// PayloadOptionParser: the payload keywords of one rule (content and its modifiers, pcre, isdataat,
// byte_test, byte_jump, byte_extract) appended in order to Rule::payload, or to the rule's
// app-layer buffer chains (Rule::buffers): after a sticky buffer (`http.uri;`, `dns.query;`, ...)
// until `pkt_data;` or the next sticky buffer, when a legacy modifier (`http_uri;`) follows the
// content, or for a pcre with a buffer flag (/U, /H, ...). Also the buffer keywords: transforms
// (`dotprefix;`, `to_lowercase;`, ...), `bsize`, `urilen`.
// Used by RuleParser, one instance per rule, after the header. Thread contract: one thread (load path).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rule.h"
#include "vigil/core/result.h"

namespace vigil::rules {

class PayloadOptionParser {
 public:
  explicit PayloadOptionParser(Rule& rule) : rule_(rule) {}

  // true when `name` is a payload keyword (handled or failed); false to let the caller try others.
  // A failure with ErrorCode::unsupported names a feature this build does not have yet.
  bool handles(std::string_view name) const;
  Result<void> apply(std::string_view name, std::string_view value);

  // Checks that need the whole rule (modifier combinations, the buffers' protocol).
  Result<void> finish();

 private:
  static constexpr int kPacket = -1;  // list id of Rule::payload; i >= 0 is Rule::buffers[i]

  Result<void> content(std::string_view value);
  Result<void> content_modifier(std::string_view name, std::string_view value);
  Result<void> pcre(std::string_view value);
  Result<void> isdataat(std::string_view value);
  Result<void> byte_test(std::string_view value);
  Result<void> byte_jump(std::string_view value);
  Result<void> byte_extract(std::string_view value);
  // A number or a byte_extract variable; a variable is noted in used_vars_ for check_vars.
  Result<Operand> operand(std::string_view text);
  // Suricata looks a variable up in the keyword's own list: one extracted in another list (the
  // packet, another buffer chain) is an error there, and here, not a stale value at match time.
  Result<void> check_vars(int list_id, std::string_view keyword);
  // The sticky buffer's pending transforms not consumed by an inspecting keyword.
  Result<void> check_pending() const;

  Result<void> sticky_buffer(std::string_view name, applayer::BufferId id);
  Result<void> legacy_modifier(std::string_view name, applayer::BufferId id);
  Result<void> transform(std::string_view name, Transform transform);
  Result<void> bsize(std::string_view value);
  Result<void> urilen(std::string_view value);

  std::vector<PayloadStep>& list(int id) {
    return id == kPacket ? rule_.payload : rule_.buffers[static_cast<size_t>(id)].steps;
  }
  // The chain of `id` without transforms, created when the rule has none yet.
  int plain_chain(applayer::BufferId id);
  // The sticky buffer's chain, chosen at its first inspecting keyword: the chain with the same
  // (buffer, transforms), created when none (always created for a multi-instance buffer).
  int sticky_chain();
  // Where a keyword goes: the sticky buffer; else, when relative, the list of the last content or
  // pcre (Suricata's rule for isdataat/byte_*/pcre after `content; http_uri;`); else the packet.
  int target(bool relative);
  std::string list_name(int list_id) const;
  void append(PayloadStep step, int list_id);

  Rule& rule_;
  static constexpr int kUnresolved = -2;  // sticky_: a buffer named, its chain not chosen yet
  bool in_sticky_ = false;                // a sticky buffer is active (until pkt_data)
  applayer::BufferId sticky_id_{};
  std::vector<Transform> pending_;        // transforms since the sticky buffer was named
  int sticky_ = kPacket;                  // the sticky buffer's chain, or kUnresolved
  std::vector<applayer::BufferId> named_;  // every sticky buffer named (each must be inspected)
  int last_content_list_ = kPacket;  // where the last content is
  int last_content_ = -1;            // its index in that list
  int last_list_ = kPacket;          // list of the last content or pcre
  std::vector<std::string> variables_;  // byte_extract names, index = Operand::var
  std::vector<int> variable_lists_;     // the list each variable was extracted in
  std::vector<int> used_vars_;          // variables the keyword being parsed reads
};

}  // namespace vigil::rules
