// `vigil rules test --explain` says which check failed: here the ones that the header alone does
// not show, ipopts and the application protocol a rule names.
#include <string>

#include "rules_test_util.h"
#include "vigil/rules/rule_explain.h"

using namespace vigil::rules;
using namespace vigil::rules::testing;

namespace {

RuleExplanation explain(const std::string& rules, uint32_t sid, const Packet& packet) {
  auto explainer = RuleExplainer::create(compile_clean(rules), sid);
  REQUIRE(explainer.has_value());
  return (*explainer)->explain(packet);
}

}  // namespace

TEST_CASE("explain names the ipopts a header lacks and the options it has", "[rules][explain][ipopts]") {
  const std::string rules = "alert ip any any -> any any (msg:\"rr\"; ipopts:rr; sid:1;)\n"
                            "alert ip any any -> any any (msg:\"any\"; ipopts:any; sid:2;)\n";
  Packet p = tcp_packet("9.10.11.12", 20, "13.14.15.16", 80, "");
  std::string header(20, '\0');
  header[0] = 0x46;  // 24-byte header: NOP, NOP, NOP, EOL
  header += std::string("\x01\x01\x01\0", 4);
  p.ip_header = header;
  const RuleExplanation rr = explain(rules, 1, p);
  CHECK_FALSE(rr.matched);
  CHECK(rr.failed == "ipopts:rr not in the IP header (options present: eol,nop)");

  std::string bare(20, '\0');
  bare[0] = 0x45;
  p.ip_header = bare;
  const RuleExplanation any = explain(rules, 2, p);
  CHECK_FALSE(any.matched);
  CHECK(any.failed == "ipopts:any not in the IP header (options present: none)");
}

TEST_CASE("explain says when a rule's application protocol is not the flow's", "[rules][explain][app-layer]") {
  const std::string rules = "alert http any any -> any any (msg:\"http\"; content:\"GET\"; sid:1;)\n";
  Packet p = http_request("GET / HTTP/1.1\r\n\r\n");
  const RuleExplanation no_flow = explain(rules, 1, p);
  CHECK_FALSE(no_flow.matched);
  CHECK(no_flow.failed.rfind("the rule applies to http flows; this flow's application protocol is unknown (no flow)", 0) ==
        0);

  FlowState state;
  state.set_app_proto(AppProto::tls);
  p.flow_state = &state;
  const RuleExplanation tls = explain(rules, 1, p);
  CHECK_FALSE(tls.matched);
  CHECK(tls.failed.rfind("the rule applies to http flows; this flow's application protocol is tls", 0) == 0);

  state.set_app_proto(AppProto::http);
  CHECK(explain(rules, 1, p).matched);
}

TEST_CASE("explain names an app-layer-protocol the flow does not satisfy, and a value keyword's transactions",
          "[rules][explain][app-layer]") {
  const std::string rules =
      "alert tcp any any -> any any (msg:\"not http\"; app-layer-protocol:!http; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"tls\"; app-layer-protocol:tls; sid:2;)\n"
      "alert tls any any -> any any (msg:\"1.2\"; tls.version:1.2; sid:3;)\n";
  Packet p = http_request("GET / HTTP/1.1\r\n\r\n");
  FlowState state;
  p.flow_state = &state;
  CHECK(explain(rules, 1, p).failed == "app-layer-protocol:!http not satisfied (this flow's is not recognised)");
  state.set_app_proto(AppProto::http);
  CHECK(explain(rules, 1, p).failed == "app-layer-protocol:!http not satisfied (this flow's is http)");
  CHECK(explain(rules, 2, p).failed == "app-layer-protocol:tls not satisfied (this flow's is http)");
  state.set_app_proto(AppProto::tls);
  CHECK(explain(rules, 1, p).matched);
  CHECK(explain(rules, 2, p).matched);
  CHECK(explain(rules, 3, p).failed ==
        "the rule inspects app-layer transactions (tls.version): it is matched on the flow's transactions, never on a packet");
}
