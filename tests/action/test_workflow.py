"""What the action tells the runner: workflow commands that text from a policy or an API
cannot forge, and which runs GitHub gives no secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pulumi_dynamic_security.github.action import Finished
from pulumi_dynamic_security.github.report import Facts, marker_for, validate_report
from pulumi_dynamic_security.github.workflow import command_line, context_from, set_outputs
from tests.action.composite import pull_request_event


def test_a_stage_name_cannot_start_a_workflow_command_of_its_own() -> None:
    facts = Facts("drift", 2, ["prod\n::error::forged"], ["x\r\n::add-mask::y%0A"])

    lines = [command_line(level, message) for level, message in facts.announcements()]

    assert all("\n" not in line and "\r" not in line for line in lines)
    # One line each (a command only starts a line), and the runner's own escape `%0A` in
    # the name arrives as `%250A`, which it decodes to the text `%0A`, not to a line break.
    assert [line.split("::", 2)[1] for line in lines] == ["warning", "warning"]
    assert "y%250A" in lines[0] and "\\x0a::error::forged" in lines[1]
    assert json.loads(facts.outputs()["drifted"]) == ["prod\n::error::forged"]


def test_the_marker_of_a_hostile_path_cannot_close_the_comment() -> None:
    marker = marker_for("drift", "a -->b<!--.yaml")
    assert marker.count("-->") == 1 and marker.endswith(" -->")
    assert marker_for("drift", "./dynamic-security.yaml") == \
        "<!-- dynsec:drift:dynamic-security.yaml -->"  # the path as dynsec prints it


def test_validate_text_cannot_close_the_fence_it_is_shown_in() -> None:
    out = "a.yaml: ok\n```\n**not bold** @octocat\n`````\n"

    body = validate_report("a.yaml", Finished(1, out))

    lines = body.rstrip("\n").split("\n")
    opening = next(n for n, line in enumerate(lines) if line.startswith("```"))
    fence = lines[opening].removesuffix("text")
    assert len(fence) == 6  # one longer than the longest run of backticks inside
    assert lines[opening + 1:] == [*out.rstrip().split("\n"), fence]


def _context(tmp_path: Path, event_name: str, event: object, actor: str = "octocat"
             ) -> bool:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    return context_from({"GITHUB_EVENT_NAME": event_name, "GITHUB_EVENT_PATH": str(path),
                         "GITHUB_REPOSITORY": "acme/infra", "GITHUB_ACTOR": actor}
                        ).without_secrets


@pytest.mark.parametrize(("event_name", "fork", "actor", "expected"), [
    ("pull_request", True, "octocat", True),
    ("pull_request", False, "dependabot[bot]", True),
    ("pull_request", False, "octocat", False),
    ("pull_request_target", True, "octocat", False),  # runs in the base, with secrets
])
def test_which_runs_have_no_secrets(tmp_path: Path, event_name: str, fork: bool, actor: str,
                                    expected: bool) -> None:
    assert _context(tmp_path, event_name, pull_request_event(fork=fork), actor) is expected


def test_a_broken_event_file_is_no_pull_request(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text('{"pull_request": {"number": "7"', encoding="utf-8")
    context = context_from({"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(path)})
    assert context.pull_request is None and not context.on_pull_request


def test_outputs_are_single_lines(tmp_path: Path) -> None:
    out = tmp_path / "out"
    context = context_from({"GITHUB_OUTPUT": str(out)})
    set_outputs(context, {"exit-code": "2", "drifted": "a\nb=c"})
    assert out.read_text(encoding="utf-8") == "exit-code=2\n"
