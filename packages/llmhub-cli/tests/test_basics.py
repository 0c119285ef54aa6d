"""Global behaviour: help, version, usage errors, the error boundary, the optional local mount."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest
import typer

from cli_helpers import run
from llmhub_cli import __version__
from llmhub_cli._boundary import CliError, report
from llmhub_cli.main import main, mount_local
from llmhub_generator import SpecError
from llmhub_runtime import ConfigProblem, UnknownModelError

COMMANDS = (
    "init",
    "spec",
    "roles",
    "add-role",
    "edit-role",
    "rm-role",
    "generate",
    "runtime",
    "env",
    "catalog",
    "test",
    "doctor",
    "status",
    "path",
    "local",  # always listed; without llmhub-local it says what to install
)


def test_help_lists_every_command() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in COMMANDS:
        assert f"  {command} " in result.stdout


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_has_help(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Usage: llmhub" in result.stdout


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"llmhub {__version__}"


def test_no_arguments_shows_help_as_usage_error() -> None:
    result = run()
    assert result.exit_code == 2
    assert "Usage: llmhub" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["no-such-command"],
        ["generate", "--no-such-flag"],
        ["catalog", "show", "--kind", "banana"],
        ["spec", "show", "--format", "xml"],
        ["test", "--role", "x"],
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_main_returns_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["--version"]) == 0
    assert main(["spec", "show"]) == 1  # no spec here
    assert main(["--bogus"]) == 2
    err = capsys.readouterr().err
    assert "error: no llmhub.spec.yaml found" in err
    assert "hint: run `llmhub init`" in err


def test_domain_error_has_no_traceback_unless_debug(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "llmhub.spec.yaml").write_text("project: [unclosed\n", encoding="utf-8")
    quiet = run("spec", "show")
    assert quiet.exit_code == 1
    assert "Traceback" not in quiet.stderr
    assert quiet.stderr.startswith("error: llmhub.spec.yaml:")
    loud = run("spec", "show", env={"LLMHUB_DEBUG": "1"})
    assert loud.exit_code == 1
    assert "Traceback" in loud.stderr


def test_report_maps_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert report(CliError("bad thing", hint="do this")) == 1
    assert report(KeyboardInterrupt()) == 130
    assert report(PermissionError(13, "Permission denied", "/x/llmhub.yaml")) == 1
    assert report(ZeroDivisionError("boom")) == 1
    # Any package's error is caught through the one root, whatever package raised it.
    assert report(UnknownModelError("gpt-9", suggestions=("openai/gpt-4.1",))) == 1
    assert report(SpecError([ConfigProblem("roles", "bad", 3)], "llmhub.spec.yaml")) == 1
    err = capsys.readouterr().err
    assert "error: no model 'gpt-9' in the catalog; did you mean openai/gpt-4.1?" in err
    assert "error: llmhub.spec.yaml:3 roles: bad" in err
    assert "error: bad thing\nhint: do this" in err
    assert "error: /x/llmhub.yaml: Permission denied" in err
    assert "internal error: ZeroDivisionError: boom" in err
    assert "LLMHUB_DEBUG=1" in err


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from llmhub_cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])\n"
        "heavy = ('llmhub_runtime', 'llmhub_generator', 'llmhub_catalog', 'any_llm', 'pydantic',\n"
        "         'rich', 'ruamel')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in heavy}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout.replace("'", '"')) == []


def test_spec_filename_matches_generator() -> None:
    from llmhub_cli._project import SPEC_FILENAME
    from llmhub_generator.spec import SPEC_FILENAME as GENERATOR_SPEC_FILENAME

    assert SPEC_FILENAME == GENERATOR_SPEC_FILENAME


def test_local_is_mounted_only_when_its_package_imports(monkeypatch: pytest.MonkeyPatch) -> None:
    parent = typer.Typer()

    @parent.command()
    def other() -> None: ...

    assert mount_local(parent, "llmhub_cli_no_such_module.cli") is False
    fake = types.ModuleType("fake_local_cli")
    local_app = typer.Typer()

    @local_app.command("serve")
    def serve() -> None:
        typer.echo("serving")

    fake.app = local_app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_local_cli", fake)
    assert mount_local(parent, "fake_local_cli") is True
    from typer.testing import CliRunner

    result = CliRunner().invoke(parent, ["local", "serve"])
    assert result.exit_code == 0
    assert "serving" in result.stdout
    not_typer = types.ModuleType("fake_local_cli2")
    monkeypatch.setitem(sys.modules, "fake_local_cli2", not_typer)
    assert mount_local(typer.Typer(), "fake_local_cli2") is False


def test_global_root_and_spec_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    project = tmp_path / "proj"
    assert run("--root", str(project), "init").exit_code == 0
    assert (project / "llmhub.spec.yaml").is_file()
    assert run("--root", str(project), "spec", "validate").exit_code == 0
    assert run("--spec", str(project / "llmhub.spec.yaml"), "spec", "validate").exit_code == 0
    missing = run("--spec", str(project / "nope.yaml"), "spec", "validate")
    assert missing.exit_code == 1
    assert "nope.yaml: file not found" in missing.stderr


def test_root_is_found_by_walking_up(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nested = project_dir / "src" / "pkg"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    result = run("path", "root")
    assert result.exit_code == 0
    assert Path(result.stdout.strip()) == project_dir.resolve()


def test_local_without_llmhub_local_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "llmhub_local" else real(name, *a)
    )
    result = run("local", "status")
    assert result.exit_code == 1
    assert "llmhub-local" in result.stderr
    assert 'pip install --find-links dist "llmhub[local]==' in result.stderr  # never PyPI's other llmhub
    assert "Traceback" not in result.output
