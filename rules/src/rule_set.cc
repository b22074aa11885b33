#include "vigil/rules/rule_set.h"

#include "rule_loader.h"
#include "rule_set_impl.h"

namespace vigil::rules {

RuleSet::RuleSet(std::unique_ptr<RuleSetImpl> impl) : impl_(std::move(impl)) {}
RuleSet::~RuleSet() = default;
size_t RuleSet::size() const { return impl_->size(); }
const std::vector<RuleInfo>& RuleSet::rules() const { return impl_->infos(); }

namespace {

Result<std::shared_ptr<const RuleSet>> finish(RuleLoader& loader) {
  auto impl = loader.build();
  if (!impl) return fail(impl.error());
  return std::shared_ptr<const RuleSet>(std::make_shared<RuleSet>(std::move(*impl)));
}

}  // namespace

Result<std::shared_ptr<const RuleSet>> load_rule_set(const std::vector<std::string>& paths,
                                                     const RuleVariables& variables, RuleLoadReport& report) {
  RuleLoader loader(variables, report);
  for (const auto& path : paths) {
    if (auto r = loader.add_path(path); !r) return fail(r.error());
  }
  return finish(loader);
}

Result<std::shared_ptr<const RuleSet>> compile_rule_text(const std::string& text, const std::string& origin,
                                                         const RuleVariables& variables, RuleLoadReport& report) {
  RuleLoader loader(variables, report);
  loader.add_text(text, origin);
  return finish(loader);
}

}  // namespace vigil::rules
