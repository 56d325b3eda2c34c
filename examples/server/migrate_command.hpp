#pragma once
// `aitk-server migrate [--status | --sql]`: migrations as a deployment step, like the
// original platform's `db:migrate` (docs/deploy.md).

namespace aitk_server {

/// `argv` holds the arguments after "migrate". Returns the exit code: 0 done, 1 failed
/// (the reason on stderr), 2 bad usage.
int RunMigrate(int argc, char** argv);

}  // namespace aitk_server
