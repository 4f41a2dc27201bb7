// The web front of a WebSocket listener: which first bytes of an accepted connection are a
// WebSocket upgrade to its path or a GET of one of its static files, and where such a file is.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace tp::detail {

/// An HTTP request head is read whole before it is judged; no upgrade request needs more.
inline constexpr std::size_t kWebHeadLimit = 8 * 1024;

/// What the first bytes of an accepted connection are, for the web front.
enum class WebRequest {
  kNeedMore,  ///< a GET whose head has not fully arrived
  kNotOurs,   ///< anything else: protocol detection goes on (HTTP calls, raw frames…)
  kUpgrade,   ///< a WebSocket upgrade to `ws_path`
  kFile,      ///< a GET of a file under the web root
};

/// Judges `first` (the bytes read so far) for a front serving WebSocket at `ws_path` and
/// static files from `web_root` (empty: none).
WebRequest classify_web_request(std::string_view first, std::string_view ws_path,
                                const std::string& web_root);

/// The regular file under `web_root` that the request target names ("/" is index.html), or
/// nothing: not found, not a regular file, or a path that would leave the root (percent-decoded
/// "..", symbolic links out of it).
std::optional<std::filesystem::path> find_web_file(const std::string& web_root,
                                                   std::string_view target);

/// The Content-Type for a file, by its extension.
std::string_view web_content_type(const std::filesystem::path& file);

}  // namespace tp::detail
