"""The bad-input corpus (tests/corpus/<kind>/) through the CLI and the library APIs.

Every case is a broken input of one kind: a spec, an ``llmhub.yaml``, a local models registry, a
catalog cache, a catalog overrides file, a ``.env.example``, a local state store, or a file-system
situation (``corpus/fs/cases.toml``: a directory, pipe, dangling link, device or huge file where a
file should be). One test runs each case through every command that reads that kind of file (in
process, through typer's runner; a representative subset also as real subprocesses) and through
the library function that loads it, and asserts:

- the expected exit code (``expect.toml``), and for the API a ``LLMHubError`` (or success);
- no traceback and no "internal error" anywhere in the output;
- the file named, and the line and field where the case says they apply;
- every file that existed before the command is unchanged (bytes, and links stay links).

Cases for llmhub-local's files (registry, state, and their fs situations) need llmhub-local and
run in the ``tests_cli_local`` session; elsewhere they are skipped.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cli_helpers import run
from corpus.make_corpus import REGISTRY, RUNTIME, SPEC

CORPUS = Path(__file__).parent / "corpus"
LOCAL_KINDS = {"registry", "state"}
LEAKS = ("Traceback", "internal error", 'File "', "pydantic", "ValidationError", "ruamel", "<unicode string>")


def _cases() -> Iterator[Any]:
    for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        if folder.name == "fs":
            table = tomllib.loads((folder / "cases.toml").read_text(encoding="utf-8"))
        else:
            table = tomllib.loads((folder / "expect.toml").read_text(encoding="utf-8"))
        for name, expect in sorted(table.items()):
            kind = expect.get("target", folder.name)
            marks = []
            if kind in LOCAL_KINDS:
                marks.append(
                    pytest.mark.skipif(not _has_local(), reason="needs llmhub-local (tests_cli_local)")
                )
            yield pytest.param(folder.name, name, expect, id=f"{folder.name}/{name}", marks=marks)


def _has_local() -> bool:
    try:
        import llmhub_local  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class Setup:
    """A project laid out for one case: the file under test is ``target``."""

    root: Path
    home: Path
    target: Path
    env: dict[str, str] = field(default_factory=dict)

    def snapshot(self) -> dict[str, tuple[str, bytes | str]]:
        """Every file and link under the case's folder, with its content (or link target)."""
        found: dict[str, tuple[str, bytes | str]] = {}
        for path in sorted(self.root.parent.rglob("*")):
            relative = str(path.relative_to(self.root.parent))
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                found[relative] = ("link", os.readlink(path))
            elif stat.S_ISREG(mode):
                found[relative] = ("file", path.read_bytes())
            elif stat.S_ISFIFO(mode):
                found[relative] = ("fifo", b"")
        return found


def _layout(tmp_path: Path, kind: str) -> Setup:
    root = tmp_path / "project"
    home = tmp_path / "local-home"
    root.mkdir()
    home.mkdir()
    (root / "llmhub.spec.yaml").write_text(SPEC)
    (root / ".env.example").write_text("# keys\nOPENAI_API_KEY=\nANTHROPIC_API_KEY=\n")
    targets = {
        "spec": root / "llmhub.spec.yaml",
        "runtime": root / "llmhub.yaml",
        "registry": home / "models.yaml",
        "cache": tmp_path / "cache" / "catalog.json",
        "overrides": tmp_path / "overrides",
        "env_example": root / ".env.example",
        "state": home / "state.db",
    }
    if kind != "runtime":
        (root / "llmhub.yaml").write_text(RUNTIME)
    (tmp_path / "cache").mkdir()
    env = {
        "LLMHUB_CATALOG_CACHE_DIR": str(tmp_path / "cache"),
        "LLMHUB_LOCAL_HOME": str(home),
        # Keys set, so `env check` fails only because of the file under test.
        "OPENAI_API_KEY": "sk-corpus-fake-openai",
        "ANTHROPIC_API_KEY": "sk-ant-corpus-fake",
    }
    return Setup(root=root, home=home, target=targets[kind], env=env)


def _place(setup: Setup, source: Path) -> None:
    if setup.target.name == "overrides":
        setup.target = setup.target.with_name(source.name)
    if setup.target.exists():
        setup.target.unlink()
    setup.target.write_bytes(source.read_bytes())


# ---------------------------------------------------------------- file-system situations


def _huge_spec(path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:  # ~30 MB, the error on its last line
        handle.write(SPEC + "x-pad:\n")
        line = "  - some padding text to make the file large, line after line after line\n"
        handle.write(line * (30_000_000 // len(line)))
        handle.write("bad: [unclosed\n")


def _huge_x_keys(path: Path) -> None:
    base = RUNTIME if path.name == "llmhub.yaml" else REGISTRY
    with path.open("w", encoding="utf-8") as handle:  # ~9 MB with 200,000 x- keys
        handle.write(base)
        handle.writelines(f"x-key{i:07d}: value number {i} with some padding\n" for i in range(200_000))


def _make(setup: Setup, situation: str, tmp_path: Path) -> None:
    target = setup.target
    if target.name == "overrides":
        target = setup.target = target.with_name("overrides.yaml")
    if target.exists() or target.is_symlink():
        target.unlink()
    builders: dict[str, Callable[[], None]] = {
        "directory": lambda: target.mkdir(),
        "fifo": lambda: os.mkfifo(target),
        "dangling_symlink": lambda: target.symlink_to(tmp_path / "nowhere" / "gone.yaml"),
        "symlink_loop": lambda: target.symlink_to(target.name),
        "dev_null": lambda: target.symlink_to("/dev/null"),
        "huge_error_last_line": lambda: _huge_spec(target),
        "huge_x_keys": lambda: _huge_x_keys(target),
        "sparse_huge": lambda: os.truncate(_touch(target), 80 * 1024 * 1024),
        "missing": lambda: None,
        "home_is_file": lambda: _home_is_file(setup),
    }
    builders[situation]()


def _touch(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def _home_is_file(setup: Setup) -> None:
    setup.home.rmdir()
    setup.home.write_text("not a folder\n")


# ---------------------------------------------------------------- what reads each kind


@dataclass
class Check:
    """One way a case is read: CLI arguments, or a library call; ``located`` messages give line/field."""

    name: str
    args: list[str] | None = None
    api: Callable[[], object] | None = None
    located: bool = False
    exit: int | None = None  # overrides the case's exit code (e.g. a command that falls back)
    any_exit: bool = False  # a command that only summarises (must not crash, need not fail)


#: llmhub.yaml cases also run through `generate --check` (the issue's "internal error" in generate
#: came from reading an existing llmhub.yaml); a subset, since each run generates for real.
GENERATE_OVER = {
    "latin1.yaml", "cp1252_quote.yaml", "utf16_no_bom.yaml", "utf32_no_bom.yaml", "nul_byte_mid.yaml",
    "bom_utf16_lying.yaml", "bom_then_garbage.yaml", "binary_garbage.yaml", "alias_bomb_in_params.yaml",
    "alias_bomb_billion_laughs.yaml", "deep_flow_nesting.yaml", "tag_python_object.yaml",
    "runtime-huge_x_keys", "runtime-fifo", "runtime-directory", "runtime-dev_null",
}  # fmt: skip


def _checks(kind: str, setup: Setup, name: str = "") -> list[Check]:
    root, home, target = str(setup.root), str(setup.home), setup.target
    if kind == "spec":
        from llmhub_generator.spec import load_spec

        return [
            Check("spec validate", ["--root", root, "spec", "validate"], located=True),
            Check("generate", ["--root", root, "generate", "--dry-run", "--no-llm"], located=True),
            Check("roles", ["--root", root, "roles"], located=True),
            # An edit that does not touch what is broken: refused (the file is left as it was).
            Check("edit-role", ["--root", root, "edit-role", "llm.inference", "--latency", "low"]),
            Check("status", ["--root", root, "status"], any_exit=True),
            Check("load_spec", api=lambda: load_spec(target), located=True),
        ]
    if kind == "runtime":
        from llmhub_runtime import LLMHub, load_runtime_config

        return [
            Check("runtime show", ["--root", root, "runtime", "show"], located=True),
            Check("env check", ["--root", root, "env", "check"], located=True),
            Check("roles", ["--root", root, "roles"], located=True),
            Check("load_runtime_config", api=lambda: load_runtime_config(target), located=True),
            Check("LLMHub", api=lambda: LLMHub(config_path=target), located=True),
            *(
                [Check("generate --check", ["--root", root, "generate", "--no-llm", "--check"], located=True)]
                if name in GENERATE_OVER
                else []
            ),
        ]
    if kind == "registry":
        from llmhub_local.serving.registry import load_registry

        return [
            Check(
                "local models", ["local", "models", "--home", home, "--registry", str(target)], located=True
            ),
            Check("load_registry", api=lambda: load_registry(target), located=True),
        ]
    if kind == "cache":
        from llmhub_catalog.loader import load_catalog

        def auto() -> object:
            # auto mode skips a bad cache (logging which file) and uses the bundled snapshot
            catalog = load_catalog(cache_dir=target.parent, overrides=False, extra_sources=())
            assert catalog.source == "bundled"
            return catalog

        return [
            Check(
                "load_catalog(cache)",
                api=lambda: load_catalog("cache", cache_dir=target.parent),
                located=True,
            ),
            Check("load_catalog(auto)", api=auto, exit=0),
        ]
    if kind == "overrides":
        from llmhub_catalog.overrides import load_overrides
        from llmhub_catalog.providers import catalog_provider_ids

        return [
            Check(
                "load_overrides",
                api=lambda: load_overrides(target, known_providers=catalog_provider_ids()),
                located=True,
            ),
        ]
    if kind == "env_example":
        return [Check("env sync", ["--root", root, "env", "sync"], located=True)]
    if kind == "state":
        from llmhub_local.serving.state_store import StateStore

        return [
            Check("local status", ["local", "status", "--home", home], located=True),
            Check("StateStore", api=lambda: StateStore(target).list_servers(), located=True),
        ]
    raise AssertionError(kind)


#: Cases also run as real subprocesses (``python -m llmhub_cli.main``, and for llmhub.yaml
#: ``python -m llmhub_runtime validate``): the in-process runner and a real process must agree. A
#: few keep the suite fast (each process start imports the CLI).
SUBPROCESS = {
    "spec/tag_python_object.yaml", "spec/latin1.yaml",
    "runtime/alias_bomb_in_params.yaml", "runtime/utf16_no_bom.yaml",
    "fs/spec-huge_error_last_line", "fs/runtime-huge_x_keys", "fs/runtime-fifo",
}  # fmt: skip


@pytest.mark.parametrize(("folder", "name", "expect"), list(_cases()))
def test_corpus_case(
    folder: str,
    name: str,
    expect: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    kind = expect.get("target", folder)
    setup = _layout(tmp_path, kind)
    if folder == "fs":
        _make(setup, expect["make"], tmp_path)
    else:
        _place(setup, CORPUS / folder / name)
    for key, value in setup.env.items():
        monkeypatch.setenv(key, value)
    if kind == "overrides":
        monkeypatch.setenv("LLMHUB_CATALOG_OVERRIDES", str(setup.target))
    shown_name = setup.target.name
    before = setup.snapshot()

    for check in _checks(kind, setup, name):
        if check.name in expect.get("skip", ()):
            continue
        wanted = expect["exit"] if check.exit is None else check.exit
        label = f"{folder}/{name} via {check.name}"
        if check.args is not None:
            result = run(*check.args)
            output = result.stdout + result.stderr
            assert result.exception is None, f"{label}: {result.exception!r}\n{output}"
            if check.any_exit:
                assert result.exit_code in (0, 1), f"{label}: exit {result.exit_code}\n{output}"
                wanted = result.exit_code
            assert result.exit_code == wanted, f"{label}: exit {result.exit_code}\n{output}"
            message = result.stderr
        else:
            assert check.api is not None
            message = _call(check.api, wanted, label)
            output = message
        for leak in LEAKS:
            assert leak not in output, f"{label}: {leak!r} in\n{output}"
        if wanted != 0 and not check.any_exit:
            _assert_located(message, shown_name, expect, located=check.located, label=label)
        if kind == "cache" and check.exit == 0 and setup.target.exists():
            assert any(str(setup.target) in r.getMessage() for r in caplog.records), label
        after = setup.snapshot()
        if expect.get("writes"):  # accepted, and the command's job is to write it (a new store)
            after.pop(str(setup.target.relative_to(tmp_path)), None)
            before.pop(str(setup.target.relative_to(tmp_path)), None)
        assert after == before, f"{label}: a file that existed was changed"

    if f"{folder}/{name}" in SUBPROCESS:
        _subprocess_agrees(kind, setup, expect, tmp_path)


def _call(api: Callable[[], object], wanted: int, label: str) -> str:
    from llmhub_runtime.errors import LLMHubError

    if wanted == 0:
        api()  # any exception fails the test
        return ""
    with pytest.raises(LLMHubError) as info:
        api()
    return str(info.value)


def _assert_located(
    message: str, file_name: str, expect: dict[str, Any], *, located: bool, label: str
) -> None:
    assert message.strip(), f"{label}: no message"
    assert file_name in message, f"{label}: the file {file_name} is not named in\n{message}"
    if not located:
        return  # e.g. the editor, which says what it refuses in its own words
    flat = " ".join(message.split())  # rich wraps long lines on stderr
    if expect.get("text"):
        assert " ".join(expect["text"].split()) in flat, f"{label}: {expect['text']!r} not in\n{message}"
    if "line" in expect:
        assert f"{file_name}:{expect['line']}" in message, f"{label}: line {expect['line']} not in\n{message}"
    if expect.get("field"):
        assert expect["field"] in message, f"{label}: field {expect['field']} not in\n{message}"


def _subprocess_agrees(kind: str, setup: Setup, expect: dict[str, Any], tmp_path: Path) -> None:
    env = {**os.environ, **setup.env, "NO_COLOR": "1"}
    env.pop("LLMHUB_DEBUG", None)
    # The first command of the kind (the one that reads the file most directly) as a real process.
    first = next(
        c for c in _checks(kind, setup) if c.args is not None and c.name not in expect.get("skip", ())
    )
    for check in [first]:
        done = subprocess.run(
            [sys.executable, "-m", "llmhub_cli.main", *check.args],
            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False,
        )  # fmt: skip
        wanted = expect["exit"] if check.exit is None else check.exit
        if check.any_exit:
            wanted = done.returncode if done.returncode in (0, 1) else -1
        assert done.returncode == wanted, f"subprocess {check.args}: {done.returncode}\n{done.stderr}"
        for leak in LEAKS:
            assert leak not in done.stdout + done.stderr, f"subprocess {check.args}: {leak!r}\n{done.stderr}"
        if wanted and not check.any_exit:
            assert setup.target.name in done.stderr
    if kind == "runtime":
        done = subprocess.run(
            [sys.executable, "-m", "llmhub_runtime", "validate", str(setup.target)],
            capture_output=True, text=True, env=env, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == expect["exit"], done.stderr
        assert "Traceback" not in done.stderr
        assert setup.target.name in done.stderr


def test_corpus_is_large_and_matches_its_script(tmp_path: Path) -> None:
    """At least 300 cases over every kind, and the committed files are what the script writes."""
    cases = list(_cases())
    kinds = {param.values[0] for param in cases}
    assert len(cases) >= 300
    assert kinds >= {"spec", "runtime", "registry", "cache", "overrides", "env_example", "state", "fs"}
    listed = {f"{p.values[0]}/{p.values[1]}" for p in cases if p.values[0] != "fs"}
    on_disk = {
        f"{path.parent.name}/{path.name}"
        for path in CORPUS.glob("*/*")
        if path.parent.name != "fs" and path.name != "expect.toml"
    }
    assert listed == on_disk  # every file has an expectation and every expectation a file
