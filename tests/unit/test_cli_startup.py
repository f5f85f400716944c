"""The command line starts fast: `--help` imports none of the groups, and neither it nor the
deadline calculator loads the engine's SDK, FastAPI, matplotlib or SQLAlchemy's dialects."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

from starter.cli.main import COMMANDS

HEAVY = ("temporalio", "fastapi", "matplotlib", "sqlalchemy.dialects", "uvicorn")

PROBE = """
import contextlib, io, json, sys
from starter.cli.main import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    main(sys.argv[1:])
print(json.dumps(sorted(name for name in sys.modules)))
"""


def loaded_by(*args: str) -> set[str]:
    """The modules a fresh interpreter holds after running `sagir-desk ARGS`."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("sla", "deadline", "--channel", "phone", "2026-11-24T11:50"),
        ("ticket", "--help"),
    ],
)
def test_the_command_line_starts_without_the_engine_the_api_or_the_charts(
    args: tuple[str, ...],
) -> None:
    loaded = loaded_by(*args)
    heavy = sorted(
        name for name in loaded if any(name == h or name.startswith(h + ".") for h in HEAVY)
    )
    assert heavy == []


def test_help_imports_no_group() -> None:
    loaded = loaded_by("--help")
    assert sorted({module for module, _ in COMMANDS.values()} & loaded) == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_help_table_says_what_each_command_says_of_itself(name: str) -> None:
    module, first_sentence = COMMANDS[name]
    command = getattr(importlib.import_module(module), name)
    assert command.get_short_help_str(limit=10_000) == first_sentence
