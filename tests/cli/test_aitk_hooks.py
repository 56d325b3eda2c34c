"""`aitk hook install|uninstall`: aitk's hooks merged into Claude Code's settings and
taken out again, leaving everything else as it was."""

import json
import os

EXISTING = {
    "permissions": {"allow": ["Bash(make:*)"], "deny": []},
    "env": {"FOO": "bar"},
    "hooks": {
        "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "./scripts/check.sh"}]}],
        "SessionStart": [{"matcher": "startup", "hooks": [{"type": "command", "command": "echo hello"}]}],
        "Stop": [{"hooks": [{"type": "command", "command": "say done", "timeout": 5}]}],
    },
}


def settings_path(aitk):
    return aitk.folder / ".claude" / "settings.json"


def write_settings(aitk, value):
    settings_path(aitk).parent.mkdir(exist_ok=True)
    text = json.dumps(value, indent=2) + "\n"
    settings_path(aitk).write_text(text)
    return text


def commands(settings, event):
    return [h["command"] for group in settings["hooks"].get(event, []) for h in group["hooks"]]


def test_install_into_settings_with_other_hooks_then_uninstall_leaves_them_as_they_were(aitk):
    original = write_settings(aitk, EXISTING)
    r = aitk("hook", "install")
    assert r.returncode == 0, r.stderr
    installed = json.loads(settings_path(aitk).read_text())
    assert installed["permissions"] == EXISTING["permissions"] and installed["env"] == EXISTING["env"]
    assert commands(installed, "SessionStart") == ["echo hello", "aitk hook session-start"]
    assert commands(installed, "PreToolUse") == ["./scripts/check.sh", "aitk hook guard"]
    assert installed["hooks"]["Stop"] == EXISTING["hooks"]["Stop"]
    guard = installed["hooks"]["PreToolUse"][1]
    assert guard["matcher"] == "Edit|MultiEdit|Write|NotebookEdit"

    r = aitk("hook", "install")  # a second install changes nothing
    assert r.returncode == 0 and "nothing to do" in r.stdout
    assert json.loads(settings_path(aitk).read_text()) == installed

    r = aitk("hook", "uninstall")
    assert r.returncode == 0, r.stderr
    assert json.loads(settings_path(aitk).read_text()) == EXISTING
    assert settings_path(aitk).read_text() == original  # same layout as json.dumps(indent=2)


def test_dry_run_shows_the_change_and_writes_nothing(aitk):
    original = write_settings(aitk, EXISTING)
    r = aitk("hook", "install", "--dry-run")
    assert r.returncode == 0 and "aitk hook session-start" in r.stdout and "dry run" in r.stdout
    assert settings_path(aitk).read_text() == original
    assert os.listdir(aitk.folder / ".claude") == ["settings.json"]


def test_install_creates_the_settings_and_uninstall_removes_what_it_created(aitk):
    assert aitk("hook", "install", "claude").returncode == 0
    created = json.loads(settings_path(aitk).read_text())
    assert set(created["hooks"]) == {"SessionStart", "PreToolUse"}
    assert aitk("hook", "uninstall").returncode == 0
    assert not settings_path(aitk).exists()


def test_uninstall_keeps_a_group_that_holds_other_hooks_too(aitk):
    settings = {"hooks": {"PreToolUse": [{"matcher": "Write", "hooks": [
        {"type": "command", "command": "/usr/local/bin/aitk hook guard"},
        {"type": "command", "command": "./lint.sh"}]}]}}
    write_settings(aitk, settings)
    assert "already" not in aitk("hook", "install").stdout  # SessionStart was missing
    r = aitk("hook", "install")
    assert "already" in r.stdout  # aitk from another path counts as installed
    assert aitk("hook", "uninstall").returncode == 0
    assert json.loads(settings_path(aitk).read_text()) == {
        "hooks": {"PreToolUse": [{"matcher": "Write", "hooks": [{"type": "command", "command": "./lint.sh"}]}]}}


def test_settings_that_are_not_json_are_refused_and_left_alone(aitk):
    settings_path(aitk).parent.mkdir()
    settings_path(aitk).write_text('{"hooks": {,}')
    for action in ("install", "uninstall"):
        r = aitk("hook", action)
        assert r.returncode == 2 and "not a JSON object" in r.stderr
        assert settings_path(aitk).read_text() == '{"hooks": {,}'


def test_only_claude_hooks_are_offered(aitk):
    r = aitk("hook", "install", "cursor")
    assert r.returncode == 2 and "claude only" in r.stderr
    assert not (aitk.folder / ".claude").exists() and not (aitk.folder / ".cursor").exists()


def test_a_linked_settings_folder_is_refused(aitk, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (aitk.folder / ".claude").symlink_to(elsewhere, target_is_directory=True)
    r = aitk("hook", "install")
    assert r.returncode == 2 and "symbolic link" in r.stderr
    assert os.listdir(elsewhere) == []
