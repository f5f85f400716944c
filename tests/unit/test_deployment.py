"""docker-compose.yml (issue 5): it cannot run on these machines, so this checks that it parses,
names every service, and wires them to each other and to commands that exist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from starter.cli.main import cli

ROOT = Path(__file__).parents[2]


def compose() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return parsed


def test_compose_names_every_service_of_a_production_like_deployment() -> None:
    services = compose()["services"]
    assert set(services) == {
        "postgresql",
        "temporal",
        "temporal-ui",
        "migrate",
        "api",
        "intake",
        "worker-1",
        "worker-2",
    }


def test_the_desk_services_share_one_database_engine_and_key_and_run_real_commands() -> None:
    services = compose()["services"]
    desk = {name: services[name] for name in ("migrate", "api", "intake", "worker-1", "worker-2")}
    for name, service in desk.items():
        environment = service["environment"]
        assert environment["SAGIR_DATABASE_URL"].endswith("@postgresql:5432/sagir"), name
        assert environment["TEMPORAL_ADDRESS"] == "temporal:7233", name
        assert environment["SAGIR_PAYLOAD_KEYS"].startswith("${SAGIR_PAYLOAD_KEYS"), name
        assert environment["SAGIR_AUDIT_KEYS"].startswith("${SAGIR_AUDIT_KEYS"), name
        [command] = service["command"]
        assert CliRunner().invoke(cli, [command, "--help"]).exit_code == 0, name
    assert services["temporal"]["environment"]["POSTGRES_SEEDS"] == "postgresql"
    ui = services["temporal-ui"]["environment"]
    assert ui["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert ui["TEMPORAL_CODEC_ENDPOINT"] == "http://localhost:8000/codec"
    assert services["api"]["ports"] == ["8000:8000"]
    for name in ("worker-1", "worker-2"):  # the workers deliver the outbox to the mail relay
        assert desk[name]["environment"]["SAGIR_SMTP_URL"].startswith("${SAGIR_SMTP_URL:?"), name
    assert services["intake"]["ports"] == ["2525:2525"]
    assert (ROOT / "Dockerfile").read_text().count("COPY") >= 7
