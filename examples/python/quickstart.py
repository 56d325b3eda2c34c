#!/usr/bin/env python3
"""A tour of the libsync Python module: a project, docs with history, the edit lock and a
workstation key, on a SQLite file in a temporary folder.

Run after building (see the README):  PYTHONPATH=build/python python3 examples/python/quickstart.py
"""

import tempfile

import libsync


def main():
    with tempfile.TemporaryDirectory() as folder:
        lib = libsync.open(f"sqlite://{folder}/docs.db")
        project = lib.projects.create("payments", "https://github.com/acme/payments.git")

        lib.docs.put(project.id, "CLAUDE.md", "# Payments\n\nUse the ledger API.\n")
        lib.docs.put(project.id, "CLAUDE.md", "# Payments\n\nUse the ledger API v2.\n")
        for version in lib.docs.history(project.id, "CLAUDE.md"):
            print(f"CLAUDE.md v{version.version} by {version.author} at {version.created_at:%H:%M:%S}")

        # The lead locks the docs while rewriting them; others are told who holds them.
        grant = lib.locks.acquire(project.id, "alice", reason="restructuring", ttl_seconds=600)
        try:
            lib.locks.acquire(project.id, "bob")
        except libsync.LockHeld as held:
            print(f"bob must wait: {held} ({held.details['reason']})")
        lib.docs.put(project.id, "architecture.md", "# Architecture\n", lock_token=grant.token)
        lib.locks.release(project.id, grant.token)

        # A workstation key sees its project only, and can ask "has anything changed?".
        key = lib.keys.create(project.id, "laptop")
        workstation = lib.as_key(key.secret)
        state = workstation.hooks.docs_hash(project.id)
        print(f"{state.count} docs, hash {state.hash[:12]}")
        for event in lib.events.since(project.id).events:
            print(f"event {event.seq}: {event.type}")


if __name__ == "__main__":
    main()
