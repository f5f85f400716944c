"""The `sagir-desk` entry point: the root group and the exit codes.

Every refusal or bad input is one line on standard error and exit code 2; an engine or database
that cannot be reached is exit code 1. The groups load lazily: `sagir-desk --help` reads their
one-line help from `COMMANDS` and imports none of them (a test keeps the two in step).
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from starter.desks.errors import DeskError, Unavailable

EXIT_REFUSED = 2
EXIT_UNAVAILABLE = 1

# name: (its module, its help's first sentence); the module defines a command of that name.
COMMANDS: dict[str, tuple[str, str]] = {
    "access": (
        "starter.cli.parameterisation",
        "Access requests: grant or remove a user's responsibilities.",
    ),
    "api": (
        "starter.cli.service",
        "Run the HTTP API against TEMPORAL_ADDRESS and the database (port SAGIR_API_PORT).",
    ),
    "arrival": ("starter.cli.arrivals", "Arrivals of new employees (started by the MO's HR)."),
    "audit": ("starter.cli.auditor", "The audit trail: who did what, when, and how it ended."),
    "billing": (
        "starter.cli.billing",
        "Billing of the MOs: agreements, rates, headcounts, invoices, payments and schedules.",
    ),
    "change": (
        "starter.cli.employee_changes",
        "Changes to employees' data reported by the MO's HR: review, quality check, apply.",
    ),
    "communique": (
        "starter.cli.communiques",
        "Communiqués of the DGGIR and the MOs, forwarded unchanged to the groups they target.",
    ),
    "departure": ("starter.cli.departures", "Departures of employees (the 48-hour rule)."),
    "dev": ("starter.cli.service", "Run the whole desk locally: engine, database, API, worker."),
    "escalations": (
        "starter.cli.escalations",
        "What the CA supervisors must see, newest first; `ack` acknowledges one.",
    ),
    "intake": (
        "starter.cli.service",
        "Run the mail intake (SMTP) on SAGIR_INTAKE_HOST:SAGIR_INTAKE_PORT.",
    ),
    "mail": (
        "starter.cli.mail",
        "The desk's mail: what went out and came in, triage, the MOs' domains, a test message.",
    ),
    "migrate": ("starter.cli.service", "Bring the database to the newest schema."),
    "notices": (
        "starter.cli.notices",
        "The notices the service sends: their templates, in French and English.",
    ),
    "param": (
        "starter.cli.parameterisation",
        "Parameterisation requests: responsibilities, approval powers, cloisonnement.",
    ),
    "password": (
        "starter.cli.passwords",
        "Password help: reset after checking the user's identity.",
    ),
    "queue": (
        "starter.cli.tickets",
        "Tickets waiting to be taken in charge: urgent first, then the earliest deadline.",
    ),
    "registre": (
        "starter.cli.registre",
        "The registre d'autorité: personnes autorisées and relèves, kept by the MO.",
    ),
    "report": ("starter.cli.reports", "Reports for the continuous-improvement committee."),
    "sla": ("starter.cli.sla", "Take-in-charge deadlines on the service calendar."),
    "ticket": ("starter.cli.tickets", "Open and work support tickets."),
    "token": ("starter.cli.tokens", "Bearer tokens of the HTTP API (stored hashed)."),
    "training": (
        "starter.cli.training",
        "Training registration in SGA (sessions, places, waiting lists).",
    ),
    "worker": ("starter.cli.service", "Run a worker against TEMPORAL_ADDRESS."),
}


class LazyGroup(click.Group):
    """The root group: a command's module is imported when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(COMMANDS[cmd_name][0])
        command: click.Command = getattr(module, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click lists commands, their help cut to the width, without importing them."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        with formatter.section("Commands"):
            formatter.write_dl(
                [
                    (name, click.Command(name, help=COMMANDS[name][1]).get_short_help_str(limit))
                    for name in names
                ]
            )


cli = LazyGroup(
    name="sagir-desk",
    help="The Centre d'assistance SAGIR help desk.",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def entry() -> None:
    """The `sagir-desk` console script: `main`, then a hard exit with its code.

    Temporal's native runtime keeps threads that can abort the interpreter while it finalizes
    (seen: "PyGILState_Release ... must be current", exit -6, after a successful command). The
    work is done and the output flushed by then, so the process leaves without finalizing.
    """
    try:
        main()
        code = 0
    except SystemExit as done:
        if isinstance(done.code, str):  # `raise SystemExit("sagir-desk: ...")`: say it
            print(done.code, file=sys.stderr)
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> None:
    """Run the command line; ends with SystemExit carrying the exit code."""
    try:
        code = cli.main(args=argv, prog_name="sagir-desk", standalone_mode=False)
    except click.exceptions.Exit as done:
        code = done.exit_code
    except click.exceptions.Abort:
        code = 130
    except click.ClickException as error:
        _fail(error.format_message(), EXIT_REFUSED)
    except DeskError as error:
        _fail(str(error), EXIT_REFUSED)
    except Unavailable as error:
        _fail(str(error), EXIT_UNAVAILABLE)
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, code: int) -> None:
    click.echo(f"sagir-desk: {message}", err=True)
    sys.exit(code)
