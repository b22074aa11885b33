// Incident title templates: "SSH brute force from {src_ip}". `{{` and `}}` are literal braces.
// Private to the module; pure functions.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::correlator {

// The placeholder names in order of appearance; nullopt when a brace is left open.
std::optional<std::vector<std::string>> title_placeholders(std::string_view tmpl);

// Fills each placeholder with lookup(name); a name lookup cannot fill becomes "-".
std::string render_title(std::string_view tmpl,
                         const std::function<std::optional<std::string>(std::string_view)>& lookup);

}  // namespace vigil::correlator
