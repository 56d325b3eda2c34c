#pragma once
// A doc's own YAML front matter, as far as emitting needs it: the block between a first
// line `---` and the next `---` line, read as `key: value` lines. Values are scalars,
// inline lists (`[a, b]`) or block lists (`- a` lines); anything richer is ignored, since
// only the keys below are used and each of them is a string, a boolean or a list.

#include <optional>
#include <string>
#include <vector>

namespace aitk {

struct FrontMatter {
  bool present = false;
  std::optional<std::string> description;   // Cursor, Windsurf
  std::vector<std::string> globs;           // Cursor `globs`, Windsurf `globs`
  std::optional<bool> always_apply;         // Cursor `alwaysApply`
  std::vector<std::string> apply_to;        // Copilot `applyTo`
  std::optional<std::string> trigger;       // Windsurf `trigger`
  std::optional<std::vector<std::string>> targets;  // which emit targets the doc is for
  std::string body;                         // the doc without its front matter
};

/// Splits `content` into its front matter and body. Content without a well-formed block
/// (no closing `---`) has no front matter: all of it is body. Values holding control
/// characters are dropped, so nothing read here can add a line to a generated file.
FrontMatter ParseFrontMatter(const std::string& content);

}  // namespace aitk
