"""Release checks of the repository: the PyPI version check and the README's install commands.

The PyPI check runs against a PyPI-shaped JSON API served on 127.0.0.1 (no network): the same
HTTP client code and URL layout it uses against pypi.org in the ``pypi_versions`` nox session.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType

import pytest

from cli_helpers import REPO


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "check_pypi_versions", REPO / "scripts" / "check_pypi_versions.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check = _load_script()


class _Index:
    """A JSON API on 127.0.0.1: ``GET /pypi/<name>/json`` answers from ``releases``, else 404."""

    def __init__(self, releases: Mapping[str, list[str]]) -> None:
        self.releases = dict(releases)
        self.requested: list[str] = []
        index = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                index.requested.append(self.path)
                match = re.fullmatch(r"/pypi/([^/]+)/json", self.path)
                if match is None or match.group(1) not in index.releases:
                    self.send_error(404)
                    return
                body = json.dumps(
                    {
                        "info": {"name": match.group(1)},
                        "releases": {v: [{"yanked": False}] for v in index.releases[match.group(1)]},
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/pypi"

    def __enter__(self) -> _Index:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def index() -> Iterator[_Index]:
    # What PyPI had when 2.0.0 was chosen: other projects under three of our names.
    with _Index(
        {
            "llmhub": ["0.0.1", "0.2.3", "0.2.10"],
            "llmhub-runtime": ["0.1.0", "1.0.3", "not-a-version"],
            "llmhub-cli": ["0.1.10"],
        }
    ) as served:
        yield served


def test_every_name_is_asked_including_the_names_users_confuse(index: _Index) -> None:
    names = check.our_distributions()
    assert {"llmhub", "llmhub-runtime", "llmhub-catalog", "llmhub-generator", "llmhub-local"} <= set(names)
    assert "llmhub-cli" in names
    releases = check.fetch_releases(names, index.url)
    assert releases["llmhub"] == ["0.0.1", "0.2.3", "0.2.10"]
    assert releases["llmhub-catalog"] == []  # 404: never released
    assert sorted(index.requested) == sorted(f"/pypi/{n}/json" for n in names)


@pytest.mark.parametrize(
    ("ours", "clash"),
    [
        ("2.0.0", None),
        ("0.2.4", "llmhub-runtime"),  # above llmhub 0.2.3 but not above llmhub 0.2.10 (numeric order)
        ("0.2.10", "llmhub"),  # equal is not greater
        ("1.0.3", "llmhub-runtime"),
        ("1.0.4rc1", None),  # a pre-release above 1.0.3 is above it
    ],
)
def test_ours_must_be_greater_than_every_release(index: _Index, ours: str, clash: str | None) -> None:
    found = check.problems(ours, check.fetch_releases(check.our_distributions(), index.url))
    if clash is None:
        assert found == []
    else:
        assert any(line.startswith(f"{clash}:") for line in found), found
        assert all(ours in line for line in found)


def test_the_script_exits_1_on_a_clash_and_0_above_everything(index: _Index) -> None:
    script = REPO / "scripts" / "check_pypi_versions.py"
    low = subprocess.run(
        [sys.executable, str(script), "--index-url", index.url, "--version", "0.2.3"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert low.returncode == 1
    assert "llmhub: PyPI already has 0.2.3, 0.2.10" in low.stderr
    ok = subprocess.run(
        [sys.executable, str(script), "--index-url", index.url], capture_output=True, text=True, check=False
    )
    assert ok.returncode == 0, ok.stderr
    version = (REPO / "VERSION").read_text().strip()
    assert f"{version} is above every release" in ok.stdout


def test_an_unreachable_index_fails_with_a_message() -> None:
    with _Index({}) as served:
        url = served.url
    # The server is shut down: connection refused on that port.
    assert check.main(["--index-url", url]) == 1


def test_a_document_without_releases_is_rejected() -> None:
    with pytest.raises(ValueError, match="releases"):
        check.released_versions({"info": {}})


def _install_commands() -> list[str]:
    """The lines .ci/install-from-checkout runs: bash blocks between the README's markers."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = re.search(r"<!-- install-from-checkout.*?-->(.*?)<!-- /install-from-checkout -->", readme, re.S)
    assert section is not None, "README.md lost its install-from-checkout markers"
    blocks = re.findall(r"^```bash\n(.*?)^```$", section.group(1), re.S | re.M)
    return [line.split("#")[0].strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_readme_installs_our_exact_version_from_the_built_wheels() -> None:
    version = (REPO / "VERSION").read_text().strip()
    commands = _install_commands()
    assert commands[0].startswith("uv build --all-packages --out-dir dist")
    installs = [c for c in commands if " install " in f" {c} "]
    assert any(c.startswith("uv tool install") for c in installs)
    assert any(c.startswith("pip install") for c in installs)
    for command in installs:
        assert "--find-links dist" in command, command
        requested = re.findall(r'"([a-z-]+)(?:\[[a-z,]+\])?==([^"]+)"', command)
        assert requested, f"{command!r} does not ask for an exact version"
        assert all(v == version for _, v in requested), command
    assert "not on PyPI yet" in (REPO / "README.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_block_and_checks_what_got_installed() -> None:
    script = (REPO / ".ci" / "install-from-checkout").read_text(encoding="utf-8")
    assert "install-from-checkout" in script
    assert 'eval "$install_commands"' in script
    assert "mktemp -d" in script  # outside the workspace
    assert '--version)" = "llmhub $version"' in script
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert ".ci/install-from-checkout" in ci
    assert "nox -s pypi_versions" in ci
    release = (REPO / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    assert "nox -s pypi_versions" in release
