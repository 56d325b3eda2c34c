#pragma once
// `aitk status --json`: the same facts as `aitk status`, for scripts and editors. Field
// names follow the platform's own JSON (camelCase); docs/hooks.md lists them.

#include <string>

#include "config.hpp"
#include "platform_client.hpp"

namespace aitk {

std::string StatusJson(const Config& config, const LockState& lock, const std::string& server_hash,
                       const std::string& local_hash, std::size_t doc_count);

/// When the platform could not answer: the error, and what is known locally.
std::string StatusErrorJson(const Config& config, const libsync::Status& error);

}  // namespace aitk
