"""The layout's import rules (STYLE.md "The shape"), read from the code itself: a rule broken by
a new import fails here, naming the file, the line and the import."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """Every module `path` imports, wherever the import stands (inside functions and
    TYPE_CHECKING blocks too: a lazy import is still a dependency)."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def modules(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def breaks(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in paths
        for line, name in imports(path)
        if any(name == prefix or name.startswith(prefix + ".") for prefix in forbidden)
    ]


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        # The domain: no I/O, no engine, no door.
        (
            "models",
            (
                "starter",
                "adapters",
                "workflows",
                "activities",
                "worker",
                "temporalio",
                "sqlalchemy",
            ),
        ),
        # Orchestration: contracts and activity classes only.
        ("workflows", ("starter", "adapters", "worker", "sqlalchemy", "fastapi", "click")),
        # Activities receive their ports: never a SQL adapter, a door or a workflow.
        (
            "activities",
            (
                "starter",
                "workflows",
                "worker",
                "sqlalchemy",
                "fastapi",
                "click",
                "adapters.database",
                "adapters.sql_audit",
                "adapters.sql_counters",
                "adapters.sql_directory",
                "adapters.sql_reports",
                "adapters.sql_request_facts",
                "adapters.sql_sagir_erp",
                "adapters.sql_sga",
                "adapters.sql_ticket_records",
                "adapters.sql_tokens",
                "adapters.outbox_mailer",
            ),
        ),
        ("adapters", ("starter", "workflows", "activities", "worker", "fastapi", "click")),
    ],
)
def test_lower_layers_never_import_the_doors(layer: str, forbidden: tuple[str, ...]) -> None:
    assert breaks(modules(layer), forbidden) == []


def test_nothing_in_starter_imports_the_worker_and_the_worker_only_its_client_and_settings() -> (
    None
):
    assert breaks(modules("starter"), ("worker",)) == []
    from_starter = {name for _, name in imports(ROOT / "worker.py") if name.startswith("starter")}
    assert from_starter <= {"starter.client", "starter.settings"}


def test_the_desks_import_no_door() -> None:
    assert breaks(modules("starter/desks"), ("click", "fastapi", "starlette", "uvicorn")) == []


def test_the_command_line_the_api_and_the_console_reach_adapters_only_through_a_factory() -> None:
    factories = {ROOT / "starter/cli/session.py", ROOT / "starter/api/app.py"}
    doors = [
        path
        for path in modules("starter/cli", "starter/api", "starter/console")
        if path not in factories
    ]
    assert breaks(doors, ("adapters",)) == []


def test_the_api_never_imports_the_command_line_which_imports_it_only_to_serve_it() -> None:
    serving = {"starter/cli/service.py", "starter/cli/dev.py"}  # `sagir-desk api` and `dev`
    found = breaks(modules("starter/cli"), ("starter.api",))
    assert [line for line in found if line.split(":")[0] not in serving] == []
    assert breaks(modules("starter/api"), ("starter.cli",)) == []


def test_the_rules_see_imports_made_inside_functions() -> None:
    """The session helper opens the database inside its functions (so `--help` stays fast):
    the checker must still see those imports, or every rule above could pass blind."""
    assert breaks([ROOT / "starter/cli/session.py"], ("adapters",)) != []
