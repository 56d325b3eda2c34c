#pragma once
// aitk's commands. Each returns the process exit code (see ExitCode and docs/hooks.md)
// and prints what a person, or an AI assistant reading a hook's output, needs to know.

#include "config.hpp"

namespace aitk {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,         // the platform refused or could not be reached; nothing changed
  kExitUsage = 2,          // bad arguments or configuration (also: guard blocked the edit)
  kExitBehind = 3,         // status: the local docs are not the server's latest
  kExitLocked = 4,         // status: another holder has the project's lock
  kExitLockedBehind = 5,   // status: both
};

int RunStatus(const Config& config);
int RunPull(const Config& config);
int RunLock(const Config& config);
int RunPush(const Config& config);
int RunHistory(const Config& config);
int RunWatch(const Config& config);
int RunSessionStartHook(const Config& config);
int RunGuardHook(const Config& config);

}  // namespace aitk
