// The components through their targets: a YAML config file (config), an XML body (xml), a zstd
// transfer filter (compress), the Thrift protocol (thrift) and etcd:// targets (etcd), each
// registered by linking it.
#include <teleport/config_file.hpp>
#include <teleport/etcd.hpp>
#include <teleport/proto/registry.hpp>
#include <teleport/teleport.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>

int main() {
  const std::string path = "consumer-peer.yaml";
  std::ofstream(path) << "listen_address: 127.0.0.1:0\nredial_times: 2\ndial_timeout: 2s\n";
  tp::PeerConfig cfg;
  if (tp::Status st = tp::load_peer_config(path, cfg); !st.ok() || cfg.redial_times != 2) {
    std::cerr << "config: " << st.to_string() << "\n";
    return 1;
  }
  std::remove(path.c_str());
  std::vector<tp::xml::Element> roots;
  if (!tp::xml::parse("<a>1</a>", roots).ok() || roots.size() != 1) return 1;
  if (!tp::XferRegistry::global()->find(tp::xfer_id::kZstd)) return 1;
  if (!tp::make_proto("thrift", {})) return 1;
  if (!tp::make_resolver("etcd://127.0.0.1:2379/math").ok()) return 1;  // built, not started
  std::cout << "consumer_components: config, xml, zstd, thrift and etcd all present\n";
  return 0;
}
