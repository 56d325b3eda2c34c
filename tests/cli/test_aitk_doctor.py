"""`aitk status --json`, `aitk doctor` and `aitk --version` against a live aitk-server."""

import json


def test_status_json_reports_lock_docs_and_emit_targets(aitk, server, project):
    aitk.env["AI_TOOLKIT_EMIT"] = "cursor, claude"
    r = aitk("status", "--json")
    assert r.returncode == 3  # never pulled: behind, as without --json
    status = json.loads(r.stdout)
    assert status["projectId"] == project["id"] and status["locked"] is False and status["lock"] is None
    assert status["docs"]["localHash"] is None and status["docs"]["current"] is False
    assert status["emit"] == ["claude", "cursor"]
    assert aitk("pull").returncode == 0
    server.call("POST", f"/api/projects/{project['id']}/lock", {"lockedBy": "alice", "reason": "rewrite"})
    r = aitk("status", "--json")
    status = json.loads(r.stdout)
    assert r.returncode == 4 and status["locked"] is True
    assert status["lock"]["lockedBy"] == "alice" and status["lock"]["reason"] == "rewrite"
    assert status["docs"]["current"] is True and status["docs"]["count"] == 2
    assert status["docs"]["localHash"] == status["docs"]["serverHash"]


def test_status_json_says_what_failed_when_the_platform_does_not_answer(aitk, server):
    server.stop()
    r = aitk("status", "--json")
    assert r.returncode == 1
    status = json.loads(r.stdout)
    assert status["error"] and status["docs"]["localHash"] is None


def test_doctor_passes_a_working_set_up_and_names_the_scope(aitk, project):
    assert aitk("pull").returncode == 0
    assert aitk("hook", "install").returncode == 0
    aitk.env["AI_TOOLKIT_EMIT"] = "claude"  # chosen after the pull: nothing emitted yet
    r = aitk("doctor")
    assert r.returncode == 0, r.stdout
    assert "ok    platform: reachable" in r.stdout and "key scope: write" in r.stdout
    assert "ok    hooks: SessionStart and PreToolUse" in r.stdout
    assert "WARN  emit claude: CLAUDE.md has no aitk region" in r.stdout and "fix: aitk pull --force" in r.stdout
    assert aitk("pull", "--force").returncode == 0
    assert "ok    emit claude: region in place" in aitk("doctor").stdout
    aitk.env["AI_TOOLKIT_API_KEY"] = project["read_key"]
    r = aitk("doctor")
    assert r.returncode == 0 and "key scope: read" in r.stdout


def test_doctor_fails_with_a_fix_for_a_wrong_key_and_a_bad_emit_list(aitk):
    aitk.env["AI_TOOLKIT_API_KEY"] = "sk_" + "0" * 64
    aitk.env["AI_TOOLKIT_EMIT"] = "claude,emacs"
    r = aitk("doctor")
    assert r.returncode == 1
    assert "FAIL  platform:" in r.stdout and "fix: ask the lead for a new API key" in r.stdout
    assert "FAIL  emit: unknown emit target 'emacs'" in r.stdout
    assert "WARN  hooks: none of aitk's hooks" in r.stdout and "fix: aitk hook install" in r.stdout


def test_doctor_without_settings_says_what_to_set(tmp_path):
    from conftest import Aitk
    a = Aitk(tmp_path, "", "", "")
    for name in ("AI_TOOLKIT_PLATFORM_URL", "AI_TOOLKIT_API_KEY", "AI_TOOLKIT_PROJECT_ID"):
        a.env.pop(name)
    r = a("doctor")
    assert r.returncode == 1 and "FAIL  settings: not configured" in r.stdout


def test_version(aitk):
    r = aitk("--version")
    assert r.returncode == 0 and r.stdout.startswith("aitk ") and r.stdout.strip() != "aitk"
