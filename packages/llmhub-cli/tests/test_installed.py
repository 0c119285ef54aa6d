"""The ``llmhub`` console script as users run it: installed in this environment, and from wheels."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import EXAMPLES, REPO


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.startswith("LLMHUB_")}
    env["LLMHUB_CATALOG_CACHE_DIR"] = str(tmp_path / "cache")
    return env


def test_console_script_runs(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("llmhub")
    assert script.is_file(), "the llmhub console script is installed next to the interpreter"
    env = _clean_env(tmp_path)
    version = subprocess.run([str(script), "--version"], capture_output=True, text=True, env=env, check=False)
    assert version.returncode == 0
    assert version.stdout.startswith("llmhub ")
    shutil.copy(EXAMPLES / "rag-chat" / "llmhub.spec.yaml", tmp_path / "llmhub.spec.yaml")
    generate = subprocess.run(
        [str(script), "generate"], cwd=tmp_path, capture_output=True, text=True, env=env, check=False
    )
    assert generate.returncode == 0, generate.stderr
    assert "chosen models" in generate.stdout
    assert (tmp_path / "llmhub.yaml").read_text().startswith("# GENERATED")
    usage = subprocess.run(
        [str(script), "generate", "--nope"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert usage.returncode == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    domain = subprocess.run(
        [str(script), "--root", str(empty), "spec", "show"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert domain.returncode == 1
    assert domain.stderr.startswith("error: ")
    assert "llmhub init" in domain.stderr
    assert "Traceback" not in domain.stderr


@pytest.mark.slow
def test_wheel_installs_in_a_fresh_venv_and_generates(tmp_path: Path) -> None:
    """Build every wheel, install the ``llmhub`` wheel (siblings from the same folder) in a new
    venv outside the workspace, and generate an example offline."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    dist = tmp_path / "dist"
    env = _clean_env(tmp_path)
    env.pop("VIRTUAL_ENV", None)
    env.pop("UV_PROJECT_ENVIRONMENT", None)
    subprocess.run([uv, "build", "--all-packages", "-o", str(dist), "-q"], cwd=REPO, check=True, env=env)
    wheel = next(dist.glob("llmhub-*-py3-none-any.whl"))
    venv = tmp_path / "venv"
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True, env=env)
    python = venv / "bin" / "python"
    subprocess.run(
        [uv, "pip", "install", "-q", "--python", str(python), "--find-links", str(dist), str(wheel)],
        check=True,
        env=env,
    )
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(EXAMPLES / "agent-tools" / "llmhub.spec.yaml", work / "llmhub.spec.yaml")
    result = subprocess.run(
        [str(venv / "bin" / "llmhub"), "generate", "--explain"],
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "agent.main" in result.stdout
    assert "top candidates" in result.stdout
    text = (work / "llmhub.yaml").read_text()
    assert "project: support-agent" in text
    check = subprocess.run(
        [str(venv / "bin" / "llmhub"), "generate", "--check"],
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    # the installed package is the wheel, not the workspace source
    where = subprocess.run(
        [str(python), "-c", "import llmhub_cli; print(llmhub_cli.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert str(venv) in where.stdout
