"""aitk's docs folder setting: a pull replaces the folder whole, so it never replaces one it
did not pull, nor one outside the project or in git's folder."""

import subprocess

import pytest


def git(folder, *args):
    subprocess.run(["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                   check=True, capture_output=True)


@pytest.mark.parametrize("docs_dir", [".", "..", "../sibling", "/tmp", "src/../..", ".git", ".GIT", "a/.git/hooks"])
def test_a_docs_folder_outside_the_project_or_in_git_is_refused(aitk, docs_dir):
    r = aitk("pull", "--dir", docs_dir)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "AI_TOOLKIT_DOCS_DIR (--dir)" in r.stderr
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
    assert "not a docs folder aitk pulled" in r.stderr
    assert (folder / "docs" / "design.md").read_text() == "precious\n"
    (folder / ".docs").write_text("a file of the user's\n")
    r = aitk("pull")
    assert r.returncode == 2 and "not a docs folder aitk pulled" in r.stderr
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
