#include "teleport/codec/xml.hpp"

#include <atomic>

#include <boost/core/demangle.hpp>

namespace tp::xml {
namespace {

// Set by the xml component when it is linked; the core has no XML parser of its own.
std::atomic<Parser> g_parser{nullptr};

}  // namespace

void set_parser(Parser parser) noexcept { g_parser.store(parser, std::memory_order_release); }

Status parse(std::string_view data, std::vector<Element>& roots) {
  const Parser parser = g_parser.load(std::memory_order_acquire);
  if (!parser) {
    return Status::bad_message("xml: reading XML needs the xml component (link teleport::xml)");
  }
  return parser(data, roots);
}

void append_escaped(std::string_view text, std::string& out) {
  for (char c : text) {
    switch (c) {
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\t':
        out += "&#x9;";
        break;
      case '\n':
        out += "&#xA;";
        break;
      case '\r':
        out += "&#xD;";
        break;
      default:
        out += c;
    }
  }
}

namespace detail {
std::string struct_name(const char* mangled) {
  std::string name = boost::core::demangle(mangled);
  if (auto colon = name.rfind("::"); colon != std::string::npos) name.erase(0, colon + 2);
  return name;
}
}  // namespace detail

}  // namespace tp::xml
