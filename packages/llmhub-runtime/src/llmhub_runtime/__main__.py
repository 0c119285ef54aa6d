"""``python -m llmhub_runtime``: check an llmhub.yaml the way a service will load it.

    python -m llmhub_runtime validate [llmhub.yaml] [--strict-env]
    python -m llmhub_runtime schema

``validate`` prints each role's resolved target and fallbacks (exit 0), or the problems with file,
line and field (exit 1). A provider whose any-llm SDK extra is not installed in this environment
is a problem too (the pip command to fix it is printed). It makes no call and reads no key values.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from llmhub_runtime.errors import LLMHubRuntimeError
from llmhub_runtime.hub import LLMHub
from llmhub_runtime.schema import runtime_json_schema_text


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m llmhub_runtime", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="load an llmhub.yaml and show how each role resolves")
    validate.add_argument("path", nargs="?", default="llmhub.yaml")
    validate.add_argument("--strict-env", action="store_true", help="also require every env_key to be set")
    commands.add_parser("schema", help="print the JSON Schema of llmhub.yaml")
    args = parser.parse_args(argv)

    if args.command == "schema":
        sys.stdout.write(runtime_json_schema_text())
        return 0
    try:
        hub = LLMHub(config_path=args.path, strict_env=args.strict_env)
    except LLMHubRuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    config = hub.config
    print(f"{args.path}: project {config.project!r}, env {config.env!r}, {len(config.roles)} role(s)")
    for name in sorted(config.roles):
        resolved = hub.resolve(name)
        where = f" @ {resolved.api_base}" if resolved.api_base else ""
        print(f"  {name} [{resolved.mode.value}] -> {resolved.provider}/{resolved.model}{where}")
        for fallback in resolved.fallbacks:
            print(f"      fallback -> {fallback.provider}/{fallback.model}")
    if config.defaults is not None:
        print(f"  (any other role) -> {config.defaults.provider}/{config.defaults.model}")
    return _report_missing_extras(hub)


def _report_missing_extras(hub: LLMHub) -> int:
    """Exit code 1, with the pip command, when a provider used by a role cannot be called here."""
    from llmhub_runtime.extras import missing_extras, pip_command

    users: dict[str, list[str]] = {}
    for name in sorted(hub.config.roles):
        for target in hub.resolve(name).targets():
            users.setdefault(target.provider, [])
            if name not in users[target.provider]:
                users[target.provider].append(name)
    if hub.config.defaults is not None:
        users.setdefault(hub.config.defaults.provider, []).append("(defaults)")
    missing = missing_extras(users)
    for extra in missing:
        print(
            f"error: provider {extra.provider!r} (roles: {', '.join(users[extra.provider])}) needs"
            f" {extra.requirement}, which is not installed here ({extra.reason})",
            file=sys.stderr,
        )
    if missing:
        print(f"fix: {pip_command(e.requirement for e in missing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
