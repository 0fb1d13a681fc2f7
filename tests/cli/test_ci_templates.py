"""The CI templates `init --ci` writes: least privilege per job, one rule for the comment that
is ours, a drift job that never closes its issue when the plan failed, and a folder path that
cannot run a command."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from reconciler.cli import main
from reconciler.engine.scaffold import template


def test_each_github_job_has_only_the_permissions_it_needs() -> None:
    workflow = yaml.safe_load(template("ci/github-actions.yml"))
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    assert jobs["plan"]["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert jobs["apply"]["permissions"] == {"contents": "write", "pull-requests": "read"}
    assert jobs["drift"]["permissions"] == {"contents": "read", "issues": "write"}


def test_plan_and_apply_take_the_same_comment_for_ours() -> None:
    text = template("ci/github-actions.yml")
    rule = "[...comments].reverse().find(c => c.user.login === 'github-actions[bot]'"
    assert text.count(rule) == 2


def _drift_script() -> str:
    jobs = yaml.safe_load(template("ci/gitlab-ci.yml"))
    drift = next(job for job in jobs.values() if isinstance(job, dict) and "drift.md" in str(job))
    return "\n".join(drift["script"])


@pytest.mark.parametrize(("plan", "status"), [(1, 0), (0, 1), (1, 2)])
def test_the_gitlab_drift_job_fails_and_leaves_the_issue_when_plan_or_status_failed(
    tmp_path: Path, plan: int, status: int
) -> None:
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    calls = tmp_path / "calls"
    stubs = {
        "clearsky-orders": f'case "$1" in plan) exit {plan};; status) exit {status};; esac',
        "curl": f'echo "curl $*" >> {calls}; echo "[]"',
        "jq": 'cat > /dev/null; echo ""',
    }
    for name, body in stubs.items():
        (bin_ / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_ / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_}:{os.environ['PATH']}", "GITLAB_TOKEN": "t"}
    env |= {"CI_API_V4_URL": "http://127.0.0.1:9", "CI_PROJECT_ID": "1"}
    ran = subprocess.run(
        ["bash", "-e", "-c", _drift_script()], cwd=tmp_path, env=env, capture_output=True
    )
    assert ran.returncode != 0
    assert not calls.exists() or "state_event=close" not in calls.read_text()


def test_init_ci_refuses_a_folder_that_would_run_as_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    assert main(["init", "x$(id)", "--ci", "github"]) == 1
    assert not (tmp_path / ".github").exists() and not (tmp_path / "x$(id)").exists()


def test_init_never_writes_through_a_symlinked_clearsky_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / ".clearsky").symlink_to(elsewhere, target_is_directory=True)
    assert main(["init", "orders"]) == 1
    assert list(elsewhere.iterdir()) == []
    assert not (tmp_path / "orders" / "clearsky.yaml").exists()  # nothing, not a part


def test_the_plan_and_the_account_are_kept_as_pages_and_linked() -> None:
    workflow = yaml.safe_load(template("ci/github-actions.yml"))
    for job, command, artifact in (
        ("plan", "clearsky-orders show --format html plan.json", "plan-page"),
        ("drift", "clearsky-orders report --out account-report", "account-report"),
    ):
        steps = workflow["jobs"][job]["steps"]
        runs = " ".join(str(s.get("run", "")) for s in steps)
        assert command in runs
        upload = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-"))
        assert upload["with"]["name"] == artifact and upload["id"] == "page"
        linked = next(s for s in steps if "PAGE_URL" in str(s.get("env", {})))
        assert "process.env.PAGE_URL" in linked["with"]["script"]
    gitlab = yaml.safe_load(template("ci/gitlab-ci.yml"))
    assert "plan-page/" in gitlab["plan"]["artifacts"]["paths"]
    assert "account-report/" in gitlab["drift"]["artifacts"]["paths"]
    assert "$CI_JOB_URL/artifacts/file/plan-page/index.html" in "\n".join(gitlab["plan"]["script"])
