#include "field_text.h"

#include <charconv>

#include "vigil/core/event_fields.h"

namespace vigil::correlator {

namespace {

void append_number(std::string& out, unsigned value) {
  char buffer[12];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, end);
}

// Dotted quad as inet_ntop writes it; IPv6 keeps IpAddress::to_string (zero compression rules).
void append_ip(std::string& out, const IpAddress& ip) {
  if (!ip.is_v4()) {
    out += ip.to_string();
    return;
  }
  const auto& bytes = ip.bytes();
  for (int i = 12; i < 16; ++i) {
    if (i > 12) out += '.';
    append_number(out, bytes[static_cast<size_t>(i)]);
  }
}

void append_escaped(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
}

}  // namespace

FastField fast_field_of(std::string_view name) {
  if (name == "src_ip") return FastField::src_ip;
  if (name == "dest_ip") return FastField::dest_ip;
  if (name == "src_port") return FastField::src_port;
  if (name == "dest_port") return FastField::dest_port;
  if (name == "proto") return FastField::proto;
  if (name == "event_type") return FastField::event_type;
  return FastField::other;
}

bool append_field_text(const Event& event, std::string_view name, FastField kind, bool escape, std::string& out) {
  switch (kind) {
    case FastField::src_ip:
      if (!event.src_ip) return false;
      append_ip(out, *event.src_ip);
      return true;
    case FastField::dest_ip:
      if (!event.dest_ip) return false;
      append_ip(out, *event.dest_ip);
      return true;
    case FastField::src_port:
      append_number(out, event.src_port);
      return true;
    case FastField::dest_port:
      append_number(out, event.dest_port);
      return true;
    case FastField::proto:
      out += proto_name(event.proto);
      return true;
    case FastField::event_type:
      out += to_string(event.type);
      return true;
    case FastField::other:
      break;
  }
  auto value = event_field(event, name);
  if (!value) return false;
  if (escape) {
    append_escaped(out, value->text);
  } else {
    out += value->text;
  }
  return true;
}

}  // namespace vigil::correlator
