#pragma once
// Small file helpers shared by aitk's commands: whole-file reads, one-line state files
// (.sync-hash, .aitk-lock), and writes that replace a file in one rename.

#include <filesystem>
#include <optional>
#include <string>

#include "libsync/status.hpp"

namespace aitk {

/// The whole file, or nullopt when it cannot be read.
std::optional<std::string> ReadFile(const std::filesystem::path& path);

/// The file without trailing newlines and spaces (a value aitk wrote on one line), or
/// empty when it cannot be read.
std::string ReadValue(const std::filesystem::path& path);

/// Writes `content` to `path` through a temporary file and a rename, creating the parent
/// folders as needed.
libsync::Status WriteFileAtomically(const std::filesystem::path& path, const std::string& content);

/// "<what> <path>: <the system's reason>", for a failed file operation.
libsync::Status IoError(const std::string& what, const std::filesystem::path& path, const std::error_code& ec);

/// A suffix for temporary names that another aitk process will not pick at the same time.
std::string RandomSuffix();

}  // namespace aitk
