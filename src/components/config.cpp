// The config component (teleport::config): tp::load_peer_config for YAML and TOML files.
// Nothing to register; the symbol below only satisfies the component's link option.
extern "C" {
extern const int teleport_component_config;
const int teleport_component_config = 1;
}
