"""Fast start (no any-llm import until the first call) and a quiet shutdown (issue 12, issue 17)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from llmhub_runtime._providers import KNOWN_PROVIDER_IDS, installed_provider_ids
from llmhub_testing import FakeOpenAIServer


def test_provider_list_equals_the_installed_any_llm() -> None:
    assert installed_provider_ids() == KNOWN_PROVIDER_IDS


def _run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _config(tmp_path: Path, base_url: str) -> Path:
    path = tmp_path / "llmhub.yaml"
    path.write_text(
        "project: p\nenv: e\nproviders:\n"
        f"  openai: {{api_base: '{base_url}'}}\n"
        "  anthropic: {env_key: ANTHROPIC_API_KEY}\n"
        "roles:\n"
        "  chat: {provider: openai, model: m, mode: chat, fallbacks: [{provider: anthropic, model: c}]}\n",
        encoding="utf-8",
    )
    return path


def test_constructing_a_hub_does_not_import_any_llm(tmp_path: Path) -> None:
    with FakeOpenAIServer() as server:
        path = _config(tmp_path, server.base_url)
        result = _run(
            """
            import sys
            from llmhub_runtime import LLMHub
            hub = LLMHub(config_path=sys.argv[1])
            hub.resolve("chat")
            before = sorted(m for m in sys.modules if m.split(".")[0] in ("any_llm", "openai", "anthropic"))
            reply = hub.completion("chat", [{"role": "user", "content": "hi"}])
            print(before, "any_llm" in sys.modules, reply.choices[0].message.content)
            """,
            str(path),
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[] True echo: hi"


def test_validate_does_not_import_any_llm(tmp_path: Path) -> None:
    path = _config(tmp_path, "http://127.0.0.1:9/v1")
    result = _run(
        """
        import sys
        from llmhub_runtime.__main__ import main
        code = main(["validate", sys.argv[1]])
        print(code, "any_llm" in sys.modules)
        """,
        str(path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "0 False"


def test_an_unknown_provider_id_is_still_rejected(tmp_path: Path) -> None:
    path = tmp_path / "llmhub.yaml"
    path.write_text(
        "project: p\nenv: e\nproviders:\n  openia: {}\n"
        "roles:\n  chat: {provider: openia, model: m, mode: chat}\n",
        encoding="utf-8",
    )
    result = _run(
        "import sys\nfrom llmhub_runtime.__main__ import main\nsys.exit(main(['validate', sys.argv[1]]))",
        str(path),
    )
    assert result.returncode == 1
    assert "did you mean 'openai'" in result.stderr


def test_a_hub_collected_while_another_loop_runs_prints_nothing() -> None:
    """A hub used in one asyncio.run and garbage-collected during another: stderr stays empty."""
    with FakeOpenAIServer() as server:
        result = _run(
            """
            import asyncio, gc, sys
            from llmhub_runtime import LLMHub, parse_runtime_config

            config = parse_runtime_config({
                "project": "p", "env": "e",
                "providers": {"openai": {"api_base": sys.argv[1]}},
                "roles": {"chat": {"provider": "openai", "model": "m", "mode": "chat"}},
            })
            hub = LLMHub(config_obj=config)
            hub.completion("chat", [{"role": "user", "content": "sync"}])  # clients on any-llm's loop too

            async def use() -> None:
                await hub.acompletion("chat", [{"role": "user", "content": "x"}])
                async for _ in hub.astream_completion("chat", [{"role": "user", "content": "y"}]):
                    pass

            asyncio.run(use())

            async def other() -> None:
                global hub
                del hub
                gc.collect()
                await asyncio.sleep(0.3)
                gc.collect()

            asyncio.run(other())
            gc.collect()
            print("ok")
            """,
            server.base_url,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    assert result.stderr == ""
