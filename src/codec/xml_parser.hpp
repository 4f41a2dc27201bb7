// The XML parser the xml component installs (pugixml).
#pragma once

#include "teleport/codec/xml.hpp"

namespace tp::xml {

/// Parses `data` into `roots` with pugixml (see tp::xml::parse for the rules).
Status parse_with_pugixml(std::string_view data, std::vector<Element>& roots);

}  // namespace tp::xml
