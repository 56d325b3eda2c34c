"""aitk's docs folder setting: a pull replaces the folder whole, so it never replaces one it
did not pull, nor one outside the project or in git's folder."""

import subprocess

import pytest


def git(folder, *args):
    subprocess.run(["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                   check=True, capture_output=True)


@pytest.mark.parametrize("docs_dir", [".", "./", "..", "../sibling", "/tmp", "src/../..", ".git", ".GIT", "a/.git/hooks"])
def test_a_docs_folder_outside_the_project_or_in_git_is_refused(aitk, docs_dir):
    r = aitk("pull", "--dir", docs_dir)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "(AI_TOOLKIT_DOCS_DIR, --dir)" in r.stderr
    assert not any(p.name.startswith(".incoming") or ".incoming-" in p.name for p in aitk.folder.parent.iterdir())


def test_a_pull_never_replaces_a_folder_or_file_it_did_not_pull(aitk):
    # The user's own docs/ folder, a git repository around it, and a file named like the
    # default docs folder: each stays as it was, and the pull says why it stopped.
    folder = aitk.folder
    (folder / "docs").mkdir()
    (folder / "docs" / "design.md").write_text("precious\n")
    git(folder, "init", "-q")
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "init")
    r = aitk("pull", "--dir", "docs")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "not a docs folder aitk wrote" in r.stderr
    assert (folder / "docs" / "design.md").read_text() == "precious\n"
    (folder / ".docs").write_text("a file of the user's\n")
    r = aitk("pull")
    assert r.returncode == 2 and "not a docs folder aitk wrote" in r.stderr
    assert (folder / ".docs").read_text() == "a file of the user's\n"
    assert subprocess.run(["git", "-C", str(folder), "status", "--short"], capture_output=True).returncode == 0


def test_an_empty_folder_or_one_aitk_pulled_is_replaced(aitk):
    (aitk.folder / "ai-docs").mkdir()
    assert aitk("pull", "--dir", "ai-docs/").returncode == 0
    assert (aitk.folder / "ai-docs" / "CLAUDE.md").read_text() == "# Project\n"
    assert (aitk.folder / "ai-docs" / ".sync-hash").exists()
    put = aitk.folder / "ai-docs" / "CLAUDE.md"
    put.write_text("# edited here\n")
    (aitk.folder / "ai-docs" / ".sync-hash").write_text("stale\n")
    r = aitk("pull", "--dir", "ai-docs")
    assert r.returncode == 0, r.stderr
    assert put.read_text() == "# Project\n"


@pytest.mark.parametrize("docs_dir", ["./ai-docs", "ai//docs/", "{project}/ai-docs"])
def test_any_spelling_of_a_folder_inside_the_project_is_taken(aitk, docs_dir):
    r = aitk("pull", "--dir", docs_dir.format(project=aitk.folder))
    assert r.returncode == 0, r.stdout + r.stderr
    placed = aitk.folder / ("ai/docs" if "//" in docs_dir else "ai-docs")
    assert (placed / "CLAUDE.md").read_text() == "# Project\n"


def test_the_guard_and_the_session_hook_keep_working_with_a_refused_docs_folder(aitk):
    # A setting a pull refuses must not make the guard block every edit (its exit 2) nor
    # fail the session: the hook says what is wrong.
    event = '{"tool_name": "Edit", "tool_input": {"file_path": "%s"}}' % (aitk.folder / "src" / "main.c")
    r = aitk("hook", "guard", "--dir", "..", stdin=event)
    assert r.returncode == 0, r.stdout + r.stderr
    r = aitk("hook", "session-start", "--dir", "..", stdin="{}")
    assert "AI_TOOLKIT_DOCS_DIR, --dir" in r.stdout, r.stdout
    assert r.returncode == 1  # no docs at all: nothing was ever pulled


def test_a_committed_docs_folder_without_its_sync_files_is_pulled_into(aitk):
    # A team that commits .docs and ignores its .sync files: a fresh clone has the folder
    # without them, and the default folder is aitk's own.
    (aitk.folder / ".docs").mkdir()
    (aitk.folder / ".docs" / "CLAUDE.md").write_text("# committed\n")
    r = aitk("pull")
    assert r.returncode == 0, r.stderr
    assert (aitk.folder / ".docs" / "CLAUDE.md").read_text() == "# Project\n"


def test_a_docs_folder_that_is_a_link_is_replaced_and_what_it_points_to_stays(aitk, tmp_path):
    shared = tmp_path / "shared-notes"
    shared.mkdir()
    (shared / "keep.md").write_text("the user's\n")
    (aitk.folder / ".docs").symlink_to(shared)
    r = aitk("pull")
    assert r.returncode == 0, r.stderr
    assert not (aitk.folder / ".docs").is_symlink()
    assert (aitk.folder / ".docs" / "CLAUDE.md").read_text() == "# Project\n"
    assert (shared / "keep.md").read_text() == "the user's\n"
