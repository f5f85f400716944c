"""`sagir-desk report sla`: the SLA report per MO and month, as a table, CSV, JSON or a chart.
It needs only the database."""

from __future__ import annotations

from pathlib import Path

import click

from starter.cli import session
from starter.cli.output import json_option, print_models


@click.group()
def report() -> None:
    """Reports for the continuous-improvement committee."""


@report.command("sla")
@click.option("--month", default=None, help="YYYY-MM; every month when absent.")
@click.option("--mo", default=None)
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also draw the report to this PNG file.",
)
@json_option
def report_sla(
    month: str | None, mo: str | None, as_csv: bool, chart: Path | None, as_json: bool
) -> None:
    """Received per channel, taken on time, breached, median and 90th-percentile time to take
    in charge (open minutes), late departure notices."""
    from starter.desks.reports import as_csv as to_csv
    from starter.desks.reports import as_png, check_month

    check_month(month)  # before anything is opened
    lines = session.run_on_database(
        lambda desks: desks.reports, lambda reports: reports.sla(month, mo)
    )
    if chart is not None:
        chart.write_bytes(as_png(lines))
        click.echo(f"chart written to {chart}", err=True)
    if as_json:
        return print_models(lines)
    if as_csv:
        click.echo(to_csv(lines), nl=False)
        return
    if not lines:
        click.echo("no requests")
    click.echo(
        f"{'MO':<8} {'month':<8} {'received':>8} {'taken':>6} {'on time':>8} {'breached':>8} "
        f"{'median':>7} {'p90':>7} {'late':>5}  per channel"
    )
    for line in lines:
        click.echo(
            f"{line.mo:<8} {line.month:<8} {line.received:>8} {line.taken:>6} "
            f"{line.taken_on_time:>8} {line.breached:>8} {_minutes(line.median_open_minutes):>7} "
            f"{_minutes(line.p90_open_minutes):>7} {line.late_departure_notices:>5}  "
            + " ".join(f"{k}={v}" for k, v in line.received_by_channel.items())
        )


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"
