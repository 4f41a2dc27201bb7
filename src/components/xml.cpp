// The xml component (teleport::xml): reading XML bodies with pugixml. Writing XML is in the core.
#include "codec/xml_parser.hpp"

extern "C" {
// Named by the component's link option (-u), so the linker keeps this object and runs this.
extern const int teleport_component_xml;
const int teleport_component_xml = [] {
  tp::xml::set_parser(&tp::xml::parse_with_pugixml);
  return 1;
}();
}
