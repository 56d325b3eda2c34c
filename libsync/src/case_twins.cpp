#include "case_twins.hpp"

namespace libsync::detail {

std::string FoldedName(std::string_view name) {
  std::string folded(name);
  for (char& c : folded) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return folded;
}

std::string CaseTwinReason(std::string_view name, std::string_view twin) {
  std::string reason = "'";
  reason.append(name).append("' and '").append(twin);
  reason += "' differ only in letter case: a workstation whose file system folds case (macOS, Windows) would hold one "
            "file for both";
  return reason;
}

}  // namespace libsync::detail
