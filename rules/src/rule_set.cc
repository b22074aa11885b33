#include "vigil/rules/rule_set.h"

#include <cstdlib>

#include "hs_database_cache.h"
#include "rule_loader.h"
#include "rule_set_impl.h"

namespace vigil::rules {

RuleSet::RuleSet(std::unique_ptr<RuleSetImpl> impl) : impl_(std::move(impl)) {}
RuleSet::~RuleSet() = default;
size_t RuleSet::size() const { return impl_->size(); }
const std::vector<RuleInfo>& RuleSet::rules() const { return impl_->infos(); }

namespace {

Result<std::shared_ptr<const RuleSet>> finish(RuleLoader& loader, const RuleCompileOptions& options) {
  HsDatabaseCache cache(options.cache_dir);
  auto impl = loader.build(cache);
  if (!impl) return fail(impl.error());
  return std::shared_ptr<const RuleSet>(std::make_shared<RuleSet>(std::move(*impl)));
}

}  // namespace

Result<std::shared_ptr<const RuleSet>> load_rule_set(const std::vector<std::string>& paths,
                                                     const RuleVariables& variables, RuleLoadReport& report,
                                                     const RuleCompileOptions& options) {
  RuleLoader loader(variables, report);
  for (const auto& path : paths) {
    if (auto r = loader.add_path(path); !r) return fail(r.error());
  }
  return finish(loader, options);
}

Result<std::shared_ptr<const RuleSet>> compile_rule_sources(const std::vector<RuleSource>& sources,
                                                            const RuleVariables& variables, RuleLoadReport& report,
                                                            const RuleCompileOptions& options) {
  RuleLoader loader(variables, report);
  for (const RuleSource& source : sources) loader.add_text(source.text, source.origin);
  return finish(loader, options);
}

Result<std::shared_ptr<const RuleSet>> compile_rule_text(const std::string& text, const std::string& origin,
                                                         const RuleVariables& variables, RuleLoadReport& report,
                                                         const RuleCompileOptions& options) {
  RuleLoader loader(variables, report);
  loader.add_text(text, origin);
  return finish(loader, options);
}

std::string default_rule_cache_dir() {
  if (const char* explicit_dir = std::getenv("VIGIL_RULE_CACHE"); explicit_dir != nullptr) {
    const std::string dir = explicit_dir;
    return dir == "off" ? std::string() : dir;
  }
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::string(xdg) + "/vigil/rules";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::string(home) + "/.cache/vigil/rules";
  }
  return {};
}

}  // namespace vigil::rules
