#include "buffer_transforms.h"

namespace vigil::rules {
namespace {

// isspace() in the C locale, as Suricata's transforms use it.
bool is_whitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void apply(Transform transform, std::string& buffer) {
  switch (transform) {
    case Transform::dotprefix:
      // "example.com" -> ".example.com", so `content:".example.com"; endswith;` matches the domain
      // and its subdomains but not "badexample.com". Suricata prefixes non-empty input only.
      if (!buffer.empty()) buffer.insert(buffer.begin(), '.');
      return;
    case Transform::to_lowercase:
      for (char& c : buffer) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      return;
    case Transform::to_uppercase:
      for (char& c : buffer) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      }
      return;
    case Transform::strip_whitespace:
      std::erase_if(buffer, is_whitespace);
      return;
    case Transform::compress_whitespace: {
      // Suricata keeps the first whitespace byte of each run as it is and drops the rest.
      size_t out = 0;
      for (size_t i = 0; i < buffer.size(); ++i) {
        if (i > 0 && is_whitespace(buffer[i]) && is_whitespace(buffer[i - 1])) continue;
        buffer[out++] = buffer[i];
      }
      buffer.resize(out);
      return;
    }
    case Transform::url_decode: {
      // %XX becomes the byte, '+' a space; a '%' without two hex digits stays as it is.
      size_t out = 0;
      for (size_t i = 0; i < buffer.size(); ++i) {
        if (buffer[i] == '%' && i + 2 < buffer.size() && hex_value(buffer[i + 1]) >= 0 &&
            hex_value(buffer[i + 2]) >= 0) {
          buffer[out++] = static_cast<char>(hex_value(buffer[i + 1]) << 4 | hex_value(buffer[i + 2]));
          i += 2;
        } else {
          buffer[out++] = buffer[i] == '+' ? ' ' : buffer[i];
        }
      }
      buffer.resize(out);
      return;
    }
  }
}

}  // namespace

void apply_transforms(std::span<const Transform> transforms, std::string_view input, std::string& out) {
  out.assign(input);
  for (Transform t : transforms) apply(t, out);
}

}  // namespace vigil::rules
