#pragma once
// `aitk doctor`: checks a workstation's set-up from end to end and says how to fix what
// is wrong. It changes nothing.

#include "config.hpp"

namespace aitk {

/// Prints one line per check (ok / WARN / FAIL) with a fix hint under each problem.
/// Exit 0 when nothing failed (warnings allowed), 1 otherwise.
int RunDoctor(const Config& config);

}  // namespace aitk
