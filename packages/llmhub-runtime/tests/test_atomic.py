"""llmhub_runtime.atomic: modes under different umasks, read-only targets, symlinks, crashes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmhub_runtime.atomic import atomic_directory, atomic_write, atomic_writer, stray_temp_files
from llmhub_runtime.errors import LLMHubError, NotWritableError

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture
def umask() -> Iterator[Callable[[int], None]]:
    """Set the process umask for one test (``umask(0o077)``); the old one is restored after."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_mode_the_umask_gives(
    tmp_path: Path, umask: Callable[[int], None], mask: int, expected: int
) -> None:
    umask(mask)
    target = tmp_path / "llmhub.yaml"
    atomic_write(target, "project: p\n")
    assert target.read_text(encoding="utf-8") == "project: p\n"
    assert _mode(target) == expected
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("existing", [0o640, 0o755, 0o600, 0o666])
def test_a_replaced_file_keeps_its_mode(tmp_path: Path, umask: Callable[[int], None], existing: int) -> None:
    umask(0o077)
    target = tmp_path / ".env.example"
    target.write_text("OLD=\n", encoding="utf-8")
    target.chmod(existing)
    atomic_write(target, b"NEW=\n")
    assert target.read_bytes() == b"NEW=\n"
    assert _mode(target) == existing


def test_an_explicit_mode_wins(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    target.write_text("{}", encoding="utf-8")
    target.chmod(0o644)
    atomic_write(target, "{}", mode=0o600)
    assert _mode(target) == 0o600


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o555])
def test_a_read_only_file_is_refused_and_left_alone(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "llmhub.spec.yaml"
    target.write_text("keep me\n", encoding="utf-8")
    target.chmod(mode)
    with pytest.raises(NotWritableError) as info:
        atomic_write(target, "replaced\n")
    error = info.value
    assert str(target) in str(error)
    assert "read-only" in str(error)
    assert isinstance(error, PermissionError)
    assert isinstance(error, LLMHubError)
    assert error.is_usage_error
    assert target.read_text(encoding="utf-8") == "keep me\n"
    assert _mode(target) == mode
    assert _leftovers(tmp_path) == []


def test_a_directory_is_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "llmhub.yaml").mkdir()
    with pytest.raises(NotWritableError, match="directory"):
        atomic_write(tmp_path / "llmhub.yaml", "x")
    assert (tmp_path / "llmhub.yaml").is_dir()


@pytest.mark.skipif(IS_ROOT, reason="root may write into any folder")
def test_a_folder_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(NotWritableError, match="not writable") as info:
            atomic_write(folder / "new.yaml", "x")
        assert str(folder) in str(info.value)
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize("relative", [True, False])
def test_a_symlink_is_written_through(tmp_path: Path, relative: bool) -> None:
    real_dir = tmp_path / "config"
    real_dir.mkdir()
    real = real_dir / "llmhub.yaml"
    real.write_text("old\n", encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "llmhub.yaml"
    link.symlink_to(os.path.relpath(real, tmp_path) if relative else real)
    atomic_write(link, "new\n")
    assert link.is_symlink()
    assert os.readlink(link) == (os.path.relpath(real, tmp_path) if relative else str(real))
    assert real.read_text(encoding="utf-8") == "new\n"
    assert _mode(real) == 0o640
    assert _leftovers(tmp_path) == []
    assert _leftovers(real_dir) == []


def test_a_chain_of_symlinks_and_a_dangling_one(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("old", encoding="utf-8")
    (tmp_path / "hop.yaml").symlink_to(real)
    (tmp_path / "spec.yaml").symlink_to(tmp_path / "hop.yaml")
    atomic_write(tmp_path / "spec.yaml", "new")
    assert real.read_text(encoding="utf-8") == "new"
    assert (tmp_path / "spec.yaml").is_symlink()
    assert (tmp_path / "hop.yaml").is_symlink()
    dangling = tmp_path / "dangling.yaml"
    dangling.symlink_to(tmp_path / "made-by-write.yaml")
    atomic_write(dangling, "created")
    assert dangling.is_symlink()
    assert (tmp_path / "made-by-write.yaml").read_text(encoding="utf-8") == "created"


def test_a_symlink_to_a_read_only_file_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("old", encoding="utf-8")
    real.chmod(0o444)
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    with pytest.raises(NotWritableError, match=r"link\.yaml"):
        atomic_write(link, "new")
    assert real.read_text(encoding="utf-8") == "old"


def test_an_error_inside_the_block_keeps_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "cache.json"
    target.write_text("old", encoding="utf-8")

    def write_then_fail() -> None:
        with atomic_writer(target) as handle:
            handle.write("half of the new")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        write_then_fail()
    assert target.read_text(encoding="utf-8") == "old"
    assert _leftovers(tmp_path) == []
    assert stray_temp_files(target) == []


def test_a_killed_writer_leaves_the_old_file_and_a_findable_temp(tmp_path: Path) -> None:
    """kill -9 in the middle of a write: the target is untouched, the temp is listed for sweeping."""
    target = tmp_path / "llmhub.yaml"
    target.write_text("old and complete\n", encoding="utf-8")
    script = textwrap.dedent(
        f"""
        import sys, time
        from llmhub_runtime.atomic import atomic_writer
        with atomic_writer({str(target)!r}) as handle:
            handle.write("new but unfinished")
            handle.flush()
            print("ready", flush=True)
            time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        proc.kill()
    finally:
        proc.wait(timeout=30)
    assert target.read_text(encoding="utf-8") == "old and complete\n"
    strays = stray_temp_files(target)
    assert len(strays) == 1
    assert strays[0].name.startswith(f".llmhub.yaml.{proc.pid}.")
    assert strays[0].read_text(encoding="utf-8") == "new but unfinished"
    # A later write is not disturbed by the leftover and leaves no temp of its own.
    atomic_write(target, "newer\n")
    assert stray_temp_files(target) == strays


def test_stray_temp_files_only_match_their_own_target_and_gone_writers(tmp_path: Path) -> None:
    gone = 4_194_304 + 12345  # above Linux's largest pid: no such process
    names = [
        f".llmhub.yaml.{gone}.ab12cd34.tmp",  # a killed writer's: listed
        f".llmhub.yaml.{os.getpid()}.ab12cd35.tmp",  # this process's, maybe in progress: kept
        f".llmhub.yaml.{os.getppid()}.ab12cd36.tmp",  # a running process's: kept
        ".llmhub.yaml.ab12cd34.tmp",  # not a name this module makes
        ".llmhub.yaml.bak",
        f".other.yaml.{gone}.ab12cd34.tmp",
        f".a[1].yaml.{gone}.000000ff.tmp",
    ]
    for name in names:
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.name for p in stray_temp_files(tmp_path / "llmhub.yaml")] == [
        f".llmhub.yaml.{gone}.ab12cd34.tmp"
    ]
    assert [p.name for p in stray_temp_files(tmp_path / "a[1].yaml")] == [f".a[1].yaml.{gone}.000000ff.tmp"]


def test_missing_folders_are_created(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "snapshot.json"
    atomic_write(target, b"{}")
    assert target.read_bytes() == b"{}"


@pytest.mark.skipif(not IS_ROOT, reason="only root may give a file to another user")
def test_root_keeps_the_owner_of_a_replaced_file(tmp_path: Path) -> None:
    target = tmp_path / "llmhub.yaml"
    target.write_text("old", encoding="utf-8")
    os.chown(target, 12345, 23456)
    atomic_write(target, "new")
    info = target.stat()
    assert (info.st_uid, info.st_gid) == (12345, 23456)


@settings(max_examples=60, deadline=None)
@given(first=st.binary(max_size=4096), second=st.text(max_size=2048))
def test_whatever_is_written_is_read_back(
    tmp_path_factory: pytest.TempPathFactory, first: bytes, second: str
) -> None:
    folder = tmp_path_factory.mktemp("roundtrip")
    target = folder / "data"
    atomic_write(target, first)
    assert target.read_bytes() == first
    atomic_write(target, second)
    assert target.read_bytes() == second.encode("utf-8")  # no newline translation, UTF-8
    assert _leftovers(folder) == []


def test_a_folder_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "model"
    target.mkdir()
    (target / "old.bin").write_bytes(b"old")
    with atomic_directory(target) as folder:
        assert folder.parent == tmp_path
        assert folder != target
        (folder / "new.bin").write_bytes(b"new")
    assert sorted(p.name for p in target.iterdir()) == ["new.bin"]
    assert _leftovers(tmp_path) == []


def test_a_failed_folder_build_keeps_the_old_folder(tmp_path: Path) -> None:
    target = tmp_path / "model"
    target.mkdir()
    (target / "old.bin").write_bytes(b"old")

    def build_then_fail() -> None:
        with atomic_directory(target) as folder:
            (folder / "new.bin").write_bytes(b"new")
            raise ValueError("bad weights")

    with pytest.raises(ValueError, match="bad weights"):
        build_then_fail()
    assert sorted(p.name for p in target.iterdir()) == ["old.bin"]
    assert _leftovers(tmp_path) == []
