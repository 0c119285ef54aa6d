"""Check that the built ``llmhub-runtime`` wheel stays slim, installed alone outside the workspace.

Usage: ``python scripts/check_wheels.py dist`` (the ``wheels`` nox session builds dist/ first).

1. The wheel's own requirements (Requires-Dist) name nothing beyond any-llm-sdk, pydantic and
   ruamel.yaml; every wheel in dist/ pins its llmhub siblings to exactly its own version.
2. Installed alone into a fresh venv in a temporary directory, it pulls in none of typer, torch,
   transformers, llama-cpp-python, numpy or any sibling package.
3. The wheel ships runtime code only: no test server (that lives in llmhub-testing), checked by
   name and by what the code does: no module in it imports a server library or opens a
   listening socket (``http.server``, ``socketserver``, ``uvicorn``, ``starlette``,
   ``asyncio.start_server``, ``.bind(``/``.listen(``).
4. In that venv, importing it, loading a config and making a real call imports none of those
   modules either. The call goes to llmhub-testing's fake server, installed from its own wheel
   into a second fresh venv (which proves that wheel installs and runs on its own too).
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from email.parser import Parser
from pathlib import Path

ALLOWED_RUNTIME_REQUIREMENTS = {"any-llm-sdk", "pydantic", "ruamel-yaml"}
FORBIDDEN_DISTRIBUTIONS = {
    "typer",
    "torch",
    "transformers",
    "llama-cpp-python",
    "numpy",
    "llmhub",
    "llmhub-catalog",
    "llmhub-generator",
    "llmhub-local",
    "llmhub-testing",
    "starlette",
    "uvicorn",
}
FORBIDDEN_MODULES = [
    "typer",
    "torch",
    "transformers",
    "llama_cpp",
    "numpy",
    "llmhub_catalog",
    "llmhub_generator",
    "llmhub_local",
    "llmhub_cli",
    "llmhub_testing",
    "starlette",
    "uvicorn",
]
SIBLINGS = {
    "llmhub",
    "llmhub-runtime",
    "llmhub-catalog",
    "llmhub-generator",
    "llmhub-local",
    "llmhub-testing",
}
#: Modules of a test server that must not be in the runtime wheel.
FORBIDDEN_RUNTIME_FILES = ("llmhub_runtime/testing.py", "llmhub_runtime/_fake", "llmhub_testing/")

_SERVER = r"""
import sys
from llmhub_testing import FakeOpenAIServer
with FakeOpenAIServer() as server:
    print(server.base_url, flush=True)
    sys.stdin.read()
"""

_PROBE = r"""
import importlib.metadata as md, json, sys, tempfile, pathlib
forbidden_dists = set(json.loads(sys.argv[1]))
forbidden_modules = json.loads(sys.argv[2])
installed = {d.metadata["Name"].lower().replace("_", "-") for d in md.distributions()}
bad = sorted(installed & forbidden_dists)
assert not bad, f"forbidden distributions installed: {bad}"
import llmhub_runtime
base_url = sys.argv[3]
path = pathlib.Path(tempfile.mkdtemp()) / "llmhub.yaml"
path.write_text(
    "project: wheelcheck\nenv: ci\nproviders:\n"
    "  openai: {env_key: WHEELCHECK_KEY, api_base: '%s', max_retries: 0}\n"
    "roles:\n  llm.chat: {provider: openai, model: m, mode: chat}\n" % base_url
)
import os
os.environ["WHEELCHECK_KEY"] = "sk-wheelcheck-0000"
hub = llmhub_runtime.LLMHub(config_path=str(path), strict_env=True)
reply = hub.completion("llm.chat", [{"role": "user", "content": "ping"}])
assert "ping" in reply.choices[0].message.content, reply
loaded = sorted(m for m in forbidden_modules if m in sys.modules)
assert not loaded, f"forbidden modules imported: {loaded}"
print(
    f"llmhub-runtime {llmhub_runtime.__version__}: {len(installed)} distributions installed,"
    " call ok, no forbidden imports"
)
"""


#: Imports and calls that only a server needs; the runtime is a client.
SERVER_MODULES = ("http.server", "socketserver", "uvicorn", "starlette", "aiohttp.web", "wsgiref")
SERVER_CALLS = ("start_server", "create_server", "serve_forever", "bind", "listen")


def _server_code(source: str) -> list[str]:
    """What in ``source`` (a module's text) serves connections: server imports, listening calls."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        found += [f"import {n}" for n in names if n.startswith(SERVER_MODULES)]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SERVER_CALLS
        ):
            found.append(f"call .{node.func.attr}() at line {node.lineno}")
    return found


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(wheel: Path) -> tuple[str, str, list[str]]:
    with zipfile.ZipFile(wheel) as archive:
        meta_name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(archive.read(meta_name).decode())
    return meta["Name"], meta["Version"], meta.get_all("Requires-Dist") or []


def main(dist: Path) -> int:
    """Run the checks; returns the exit code."""
    wheels = sorted(dist.glob("*.whl"))
    runtime = [w for w in wheels if w.name.startswith("llmhub_runtime-")]
    if len(runtime) != 1:
        print(f"expected exactly one llmhub_runtime wheel in {dist}, found {len(runtime)}", file=sys.stderr)
        return 1
    failures: list[str] = []
    for wheel in wheels:
        name, version, requires = _requirements(wheel)
        for requirement in requires:
            req_name = _normalize(re.split(r"[\s\[;<>=!~(]", requirement, maxsplit=1)[0])
            own = req_name == _normalize(name)  # an extra naming its own package's other extras
            if req_name in SIBLINGS and not own and f"=={version}" not in requirement.replace(" ", ""):
                failures.append(f"{wheel.name}: sibling {requirement!r} is not pinned =={version}")
            if (
                name == "llmhub-runtime"
                and "extra ==" not in requirement
                and req_name not in ALLOWED_RUNTIME_REQUIREMENTS
            ):
                failures.append(
                    f"{wheel.name}: requirement {requirement!r} is beyond"
                    f" {sorted(ALLOWED_RUNTIME_REQUIREMENTS)}"
                )
    with zipfile.ZipFile(runtime[0]) as archive:
        shipped = [n for n in archive.namelist() if n.startswith(FORBIDDEN_RUNTIME_FILES)]
        serving = [
            f"{n}: {what}"
            for n in archive.namelist()
            if n.endswith(".py")
            for what in _server_code(archive.read(n).decode("utf-8"))
        ]
    failures.extend(f"{runtime[0].name}: ships test code {name}" for name in shipped)
    failures.extend(f"{runtime[0].name}: serves connections in {where}" for where in serving)
    testing = [w for w in wheels if w.name.startswith("llmhub_testing-")]
    if len(testing) != 1:
        failures.append(f"expected exactly one llmhub_testing wheel in {dist}, found {len(testing)}")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        return 1
    print(f"{len(wheels)} wheels: requirements ok; the runtime wheel ships no test server")

    with tempfile.TemporaryDirectory(prefix="llmhub-wheelcheck-") as tmp:
        python = _venv_with(Path(tmp) / "venv", runtime[0])
        server_python = _venv_with(Path(tmp) / "server-venv", testing[0])
        server = subprocess.Popen(
            [str(server_python), "-c", _SERVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=tmp,
        )
        try:
            assert server.stdout is not None
            base_url = server.stdout.readline().strip()
            if not base_url.startswith("http://127.0.0.1:"):
                print(f"the llmhub-testing wheel's server did not start ({base_url!r})", file=sys.stderr)
                return 1
            result = subprocess.run(
                [
                    str(python),
                    "-c",
                    _PROBE,
                    json.dumps(sorted(FORBIDDEN_DISTRIBUTIONS)),
                    json.dumps(FORBIDDEN_MODULES),
                    base_url,
                ],
                cwd=tmp,
                capture_output=True,
                text=True,
                check=False,
            )
        finally:
            if server.stdin is not None:
                server.stdin.close()
            server.wait(timeout=30)
        sys.stdout.write(result.stdout)
        if result.returncode != 0:
            sys.stderr.write(result.stderr)
            return 1
    return 0


def _venv_with(venv: Path, wheel: Path) -> Path:
    """A fresh venv at ``venv`` with ``wheel`` (and its requirements) installed; its python."""
    subprocess.run(["uv", "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(["uv", "pip", "install", "--quiet", "--python", str(python), str(wheel)], check=True)
    return python


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "dist")))
