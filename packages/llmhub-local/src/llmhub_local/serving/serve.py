"""The server process: ``python -m llmhub_local.serving.serve MODEL [--home DIR] [--host H] [--port P]``.

Loads the model named in the registry, binds (the port is a hint), records itself in the state
store as RUNNING with its pid and port, serves until SIGTERM/SIGINT, then records STOPPED. A
model that fails to load is recorded FAILED with the error. The API key, if any, is read from
``$LLMHUB_LOCAL_API_KEY`` (never from the command line, where ``ps`` would show it).

``llmhub local start`` runs this in the background with the model's environment interpreter;
``llmhub local serve`` runs it in the foreground.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main", "prepare_environment", "run_server"]


def prepare_environment() -> None:
    """Set the OpenMP wait default (a bounded spin) before anything imports a backend (see
    :data:`llmhub_local.runners._deps.THREAD_ENVIRONMENT`: libgomp's long spin starves a busy
    machine, sleeping at once is slow on an idle one)."""
    from llmhub_local.runners._deps import prepare_thread_environment

    prepare_thread_environment()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m llmhub_local.serving.serve", description=__doc__.split("\n")[0]
    )
    parser.add_argument("model", help="registered model id")
    parser.add_argument("--home", type=Path, default=None, help="llmhub-local home (state, logs, envs)")
    parser.add_argument("--registry", type=Path, default=None, help="models registry file")
    parser.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=None, help="preferred port (default: the registry's hint)"
    )
    parser.add_argument("--max-queue", type=int, default=None, help="requests allowed to wait")
    return parser


def run_server(
    model: str,
    *,
    home: Path | None = None,
    registry: Path | None = None,
    host: str | None = None,
    port: int | None = None,
    max_queue: int | None = None,
) -> int:
    """Serve ``model`` in this process until a signal arrives; returns the exit code."""
    from llmhub_local.runners.factory import LLMRunnerFactory
    from llmhub_local.serving.manager import API_KEY_ENV, LocalManager
    from llmhub_local.serving.ports import LOOPBACK
    from llmhub_local.serving.processes import process_start_time
    from llmhub_local.serving.server import DEFAULT_MAX_QUEUE, LocalModelServer
    from llmhub_local.serving.state_store import ServerStatus
    from llmhub_runtime.errors import LLMHubError

    manager = LocalManager(home=home, registry_path=registry)
    model_id = manager.registry.canonical_id(model)
    store = manager.store
    pid = os.getpid()
    api_key = os.environ.get(API_KEY_ENV) or None
    try:
        entry = manager.registry.get(model_id)
        manager.register(model_id)
        runner = LLMRunnerFactory.create_runner(entry.model_config_for())
        server = LocalModelServer(
            runner,
            model_id=model_id,
            host=host or LOOPBACK,
            port=port if port is not None else entry.port,
            api_key=api_key,
            max_queue=max_queue if max_queue is not None else DEFAULT_MAX_QUEUE,
        )
        server.listen()
    except (LLMHubError, OSError) as e:
        store.upsert_server(
            model_id, status=ServerStatus.FAILED, pid=pid, last_error=f"{type(e).__name__}: {e}"
        )
        print(f"error: {e}", file=sys.stderr)
        return 1

    async def serve() -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)

        def ready(bound: int) -> None:
            store.upsert_server(
                model_id,
                status=ServerStatus.RUNNING,
                pid=pid,
                pid_start=process_start_time(pid),
                host=server.host,
                port=bound,
                python_path=sys.executable,
                api_key_required=api_key is not None,
                last_error=None,
            )
            logging.getLogger("llmhub_local.serving.server").info(
                "serving %s on %s", model_id, server.base_url
            )

        await server.serve(stopping, ready=ready)

    try:
        asyncio.run(serve())
    finally:
        store.upsert_server(model_id, status=ServerStatus.STOPPED, pid=None, pid_start=None)
        runner.unload()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    prepare_environment()
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    return run_server(
        args.model,
        home=args.home,
        registry=args.registry,
        host=args.host,
        port=args.port,
        max_queue=args.max_queue,
    )


if __name__ == "__main__":
    sys.exit(main())
