"""``llmhub test``: make one real call to a role through llmhub-runtime."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from llmhub_cli._boundary import CliError
from llmhub_cli._output import Format, FormatOption

if TYPE_CHECKING:
    from llmhub_runtime import ResolvedCall

__all__ = ["register"]


def _usage(response: Any) -> dict[str, Any] | None:
    usage = getattr(response, "usage", None)
    if usage is None:
        return None
    dump = getattr(usage, "model_dump", None)
    return dump(mode="json", exclude_none=True) if callable(dump) else None


@contextmanager
def _provider_errors(resolved: ResolvedCall) -> Iterator[None]:
    """A provider's own error (any-llm's, passed through by the hub with keys scrubbed) -> CliError."""
    from llmhub_runtime.errors import LLMHubError

    try:
        yield
    except LLMHubError:
        raise
    except Exception as e:
        raise CliError(f"{resolved.provider}/{resolved.model}: {type(e).__name__}: {e}") from e


def call_role(
    ctx: typer.Context,
    role: Annotated[str, typer.Option("--role", "-r", help="The role to call.")],
    prompt: Annotated[str, typer.Option("--prompt", "-p", help="User message (chat) or text to embed.")],
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    fmt: FormatOption = Format.human,
) -> None:
    """Call ROLE once with PROMPT through llmhub.yaml (a real call; needs the provider's key)."""
    from llmhub_cli._dotenv import load_project_dotenv
    from llmhub_cli._output import Output
    from llmhub_cli._progress import steps
    from llmhub_cli._project import project
    from llmhub_runtime import CallContext, CallResult, LLMHub, LLMMode

    out = Output(Format.json if as_json else fmt)
    proj = project(ctx)
    load_project_dotenv(proj.root)  # keys in .env count; the environment's values win
    attempts: list[dict[str, Any]] = []
    report: list[Callable[[str], None]] = []  # the progress line of the running attempt

    def before(call: CallContext) -> None:
        kind = "fallback, " if call.is_fallback else ""
        for update in report:
            update(f"calling {call.provider}/{call.model} ({kind}attempt {call.attempt} of {total})")

    def after(result: CallResult) -> None:
        attempts.append(
            {
                "provider": result.provider,
                "model": result.model,
                "success": result.success,
                "error": f"{type(result.error).__name__}: {result.error}" if result.error else None,
                "duration_ms": round(result.duration_ms, 1),
            }
        )
        if not result.success:
            for update in report:
                update(
                    f"{result.provider}/{result.model} failed after {result.duration_ms / 1000:.1f} s"
                    f" ({type(result.error).__name__})"
                )

    hub = LLMHub(config_path=proj.runtime_path, on_before_call=before, on_after_call=after)
    resolved = hub.resolve(role)
    total = len(resolved.targets())
    started = time.perf_counter()
    payload: dict[str, Any] = {
        "role": role,
        "provider": resolved.provider,
        "model": resolved.model,
        "mode": resolved.mode.value,
    }
    with steps(f"calling {role} ({total} target(s))") as update:
        report.append(update)
        if resolved.mode is LLMMode.EMBEDDING:
            with _provider_errors(resolved):
                embedded = hub.embedding(role, input=prompt)
            vector = [float(x) for x in embedded.data[0].embedding]
            payload.update(
                model=getattr(embedded, "model", None) or resolved.model,
                dimensions=len(vector),
                embedding=vector,
                usage=_usage(embedded),
            )
        else:
            with _provider_errors(resolved):
                response = hub.completion(role, messages=[{"role": "user", "content": prompt}])
            choice = response.choices[0]
            payload.update(
                model=response.model or resolved.model,
                content=choice.message.content or "",
                finish_reason=choice.finish_reason,
                usage=_usage(response),
            )
    answered = next((a for a in reversed(attempts) if a["success"]), None)
    if answered is not None:
        payload["provider"] = answered["provider"]
    payload["attempts"] = attempts
    payload["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)

    def human(console: Any) -> None:
        from rich.markup import escape

        if "embedding" in payload:
            preview = ", ".join(f"{x:.4f}" for x in payload["embedding"][:6])
            console.print(f"embedding of {payload['dimensions']} dimensions: [{preview}, ...]")
        else:
            console.print(escape(payload["content"]))

    out.data(payload, human)
    if not out.is_json:
        out.info(f"{role} -> {payload['provider']}/{payload['model']} in {payload['duration_ms']:.0f} ms")


def register(app: typer.Typer) -> None:
    app.command("test")(call_role)
