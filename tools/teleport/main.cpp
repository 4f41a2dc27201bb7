// teleport: the command-line companion of Teleport for C++.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "teleport: call, push to and serve Go eRPC-compatible peers; decode and encode "
      "their frames"};
  app.name("teleport");
  app.set_version_flag("--version", "teleport " TELEPORT_VERSION);
  app.footer(tp::cli::kExitCodesHelp);
  app.require_subcommand(1);
  tp::cli::add_codec_commands(app);
  tp::cli::add_peer_commands(app);
  tp::cli::add_geminio_commands(app);
  tp::cli::add_stats_command(app);
  tp::cli::add_doc_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a command's own exit code (exit_codes.hpp)
  } catch (const CLI::ParseError& e) {
    // Help and --version print and succeed; every other parse error is a usage error (2), not
    // one of CLI11's internal codes.
    const int rc = app.exit(e);
    return rc == 0 ? 0 : tp::cli::exit_code::kUsage;
  }
  return 0;
}
