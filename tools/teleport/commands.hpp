// The `teleport` tool's subcommands, each registering itself on the CLI11 app.
#pragma once

#include <CLI/CLI.hpp>

namespace tp::cli {

/// `teleport decode` and `teleport encode`: frames to JSON and back.
void add_codec_commands(CLI::App& app);
/// `teleport call`, `push`, `list` and `serve`: a peer on the command line.
void add_peer_commands(CLI::App& app);
/// `teleport geminio serve` and `teleport geminio check`: Go geminio's wire, both roles.
void add_geminio_commands(CLI::App& app);
/// `teleport stats`: a peer's routes table from its admin endpoint.
void add_stats_command(CLI::App& app);
/// `teleport help`, `teleport completion bash` and `teleport man`: documentation of `app`.
void add_doc_commands(CLI::App& app);

}  // namespace tp::cli
