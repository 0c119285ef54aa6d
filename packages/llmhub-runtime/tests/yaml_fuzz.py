"""Random damage to a valid YAML file, shared by the fuzz tests of the runtime loader, the spec
parser and the local registry (all three read YAML through llmhub_runtime's one reader).

Imported by name (``from yaml_fuzz import mutated_file``): every package's tests folder is on
pytest's ``pythonpath`` (root pyproject).
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

from llmhub_runtime.errors import LLMHubError

__all__ = ["ENCODINGS", "PIECES", "assert_clean", "mutated_file"]

#: Pieces YAML gives meaning to, inserted at random points of a valid file: syntax errors, tags,
#: anchors and aliases, merge keys, tabs, NULs, BOMs, deep nesting and an alias bomb.
PIECES = [
    *"abc019 _-.:{}[],#&*!|>'\"%@`?~\n\t\\",
    "  ", "\n  ", ": ", "- ", "&a ", "*a", "<<: *a", "<<: {k: v}", "!!", "---\n", "...\n", "? ",
    "\x00", "\x85", "\ufeff", "\u00e9", "\ud7ff", "!!int ", "!!float ", "!!bool ", "!!str ", "!!binary ",
    "!!set ", "!!omap ", "!!python/object:os.system ", "!custom ", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n",
    "[" * 80, "{a: " * 70, "\n" + "".join("  " * i + f"k{i}:\n" for i in range(70)),
    "x-b: &b [" + ", ".join(["x"] * 10) + "]\nx-c: &c [" + ", ".join(["*b"] * 10) + "]\nx-d: &d ["
    + ", ".join(["*c"] * 10) + "]\nx-e: &e [" + ", ".join(["*d"] * 10) + "]\n"
    + "x-f: [" + ", ".join(["*e"] * 10) + "]\n",
    "&r {a: *r}", "9" * 400, "1e999", "0x", "null", "~", "true", "yes", "2024-13-45",
]  # fmt: skip
ENCODINGS = ["utf-8"] * 6 + ["utf-8-sig", "utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252"]


@st.composite
def mutated_file(draw: st.DrawFn, base: str) -> bytes:
    """``base`` after a few random insertions, deletions and line shuffles, in a random encoding."""
    text = base
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        operation = draw(st.sampled_from(["insert", "insert", "delete", "duplicate_line", "drop_line"]))
        if operation == "insert":
            text = text[:at] + draw(st.sampled_from(PIECES)) + text[at:]
        elif operation == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 12)) :]
        else:
            lines = text.splitlines(keepends=True) or [""]
            index = draw(st.integers(0, len(lines) - 1))
            if operation == "duplicate_line":
                lines.insert(index, lines[index])
            else:
                del lines[index]
            text = "".join(lines)
    encoding = draw(st.sampled_from(ENCODINGS))
    return text.encode(encoding, errors="replace")


def assert_clean(error: BaseException, path: Path, expected: type[LLMHubError]) -> None:
    """A failure is the package's ``expected`` error (under the LLMHubError root), naming the file."""
    assert isinstance(error, LLMHubError), f"{type(error).__name__}: {error}"
    assert isinstance(error, expected)
    message = str(error)
    assert message.startswith(str(path)), message
    for leak in ("Traceback", "pydantic", "ruamel", "<unicode string>", "CommentedMap"):
        assert leak not in message, message
