// teleport: the command-line companion of Teleport for C++.
#include <CLI/CLI.hpp>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"teleport: inspect, encode and exchange Go eRPC-compatible messages"};
  app.require_subcommand(1);
  tp::cli::add_codec_commands(app);
  tp::cli::add_peer_commands(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
