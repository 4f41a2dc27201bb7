// XML parsing through pugixml, for the xml component (teleport::xml).
#include "codec/xml_parser.hpp"

#include <pugixml.hpp>

namespace tp::xml {
namespace {

constexpr int kMaxDepth = 64;

// Copies pugixml's tree into Elements; false when nested deeper than kMaxDepth.
bool convert(const pugi::xml_node& node, Element& out, int depth) {
  if (depth > kMaxDepth) return false;
  out.name = node.name();
  for (const pugi::xml_node& child : node.children()) {
    switch (child.type()) {
      case pugi::node_element:
        if (!convert(child, out.children.emplace_back(), depth + 1)) return false;
        break;
      case pugi::node_pcdata:
      case pugi::node_cdata:
        out.text += child.value();
        break;
      default:
        break;  // comments and processing instructions carry no value
    }
  }
  return true;
}

}  // namespace

Status parse_with_pugixml(std::string_view data, std::vector<Element>& roots) {
  pugi::xml_document doc;
  const pugi::xml_parse_result result = doc.load_buffer(
      data.data(), data.size(), pugi::parse_default | pugi::parse_ws_pcdata | pugi::parse_fragment,
      pugi::encoding_utf8);
  if (!result) {
    return Status::bad_message(std::string("xml: ") + result.description() + " at offset " +
                               std::to_string(result.offset));
  }
  for (const pugi::xml_node& node : doc.children()) {
    if (node.type() == pugi::node_pcdata) {
      // Text outside any element: Go ignores whitespace there and so do we; anything else is
      // not a value.
      if (std::string_view(node.value()).find_first_not_of(" \t\r\n") != std::string_view::npos)
        return Status::bad_message("xml: text outside an element");
      continue;
    }
    if (node.type() != pugi::node_element) continue;
    if (!convert(node, roots.emplace_back(), 1)) {
      return Status::bad_message("xml: nested deeper than " + std::to_string(kMaxDepth));
    }
  }
  return {};
}

}  // namespace tp::xml
