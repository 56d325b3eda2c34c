#pragma once
// The local copy of a project's docs (by default `.docs/` in the project folder), as the
// SessionStart hook and `aitk pull` keep it: every doc at its fileName (nested paths too),
// `.sync-hash` holding the project docs hash it was pulled at, and `.sync-manifest`
// holding each doc's content hash (so `aitk push` can tell a local edit from a stale copy).

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "libsync/result.hpp"
#include "platform_client.hpp"

namespace aitk {

class DocsFolder {
 public:
  explicit DocsFolder(std::filesystem::path dir) : dir_(std::move(dir)) {}

  const std::filesystem::path& dir() const { return dir_; }
  bool Exists() const;
  /// The hash in `.sync-hash`, or empty when there is no pulled copy.
  std::string SyncedHash() const;
  /// fileName -> content hash at the last pull.
  std::map<std::string, std::string> Manifest() const;
  std::size_t DocCount() const { return Manifest().size(); }

  /// Replaces the folder's contents with `snapshot`: writes everything into a sibling
  /// temporary folder, then swaps the two in one rename (RENAME_EXCHANGE), so a reader
  /// sees either the old docs or the new ones, never a mix. Every fileName is validated
  /// first; one that could escape the folder fails the whole pull and changes nothing.
  libsync::Status Replace(const Snapshot& snapshot) const;

  /// Whether Replace may swap this folder out (and remove it): InvalidArgument, saying why,
  /// for a file or a folder aitk did not write. Checked before a pull asks for the docs.
  libsync::Status CheckReplaceable() const;

  /// Records that `file_name` now has `hash` on the server (after a push).
  libsync::Status RecordPushed(const std::string& file_name, const std::string& content,
                               const std::string& hash) const;

  /// `path` as a fileName inside the folder, or nullopt when it lies outside it.
  std::optional<std::string> FileNameOf(const std::filesystem::path& path) const;

 private:
  std::filesystem::path dir_;
};


}  // namespace aitk
