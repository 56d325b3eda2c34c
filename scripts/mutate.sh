#!/usr/bin/env bash
# The project's mutation runner: plants each curated mutation of
# tests/mutations/mutations.txt (a small bug that breaks one rule of docs/semantics.md, the
# Store contract or the HTTP contract) in a scratch copy of the working tree, one at a time,
# builds the test binaries of its labels incrementally and runs them, and prints a Markdown
# table with the kill rate. Exits non-zero unless every mutation was killed.
#
#   scripts/mutate.sh                      # every mutation (takes hours on 2 cores)
#   scripts/mutate.sh --only ID,ID         # just these
#   scripts/mutate.sh --check              # do all mutations still apply? (no build)
#   scripts/mutate.sh --help               # the other options
#
# See docs/testing.md for when to run it and what the kill rate must be.
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 tests/mutations/run_mutations.py "$@"
