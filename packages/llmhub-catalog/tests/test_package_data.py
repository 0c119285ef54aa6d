"""The wheel carries the snapshot and the overrides; the README's examples run."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1]
ROOT = PACKAGE.parents[1]


def test_wheel_contains_data(tmp_path: Path) -> None:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed")
    subprocess.run(
        [uv, "build", "--package", "llmhub-catalog", "--wheel", "-o", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("llmhub_catalog-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for member in (
        "llmhub_catalog/data/catalog-snapshot.json",
        "llmhub_catalog/data/overrides.json",
        "llmhub_catalog/data/NOTICE.md",
        "llmhub_catalog/py.typed",
    ):
        assert member in names, member
    with zipfile.ZipFile(wheel) as archive:
        inside = archive.read("llmhub_catalog/data/catalog-snapshot.json")
    assert inside == (PACKAGE / "src/llmhub_catalog/data/catalog-snapshot.json").read_bytes()


FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
BLOCKS = FENCE.findall((PACKAGE / "README.md").read_text(encoding="utf-8"))


def test_readme_has_examples() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_example_runs(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})  # noqa: S102 - our own docs
    assert out.getvalue().strip()
