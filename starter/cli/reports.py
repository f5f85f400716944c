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


@report.command("committee")
@click.option("--month", required=True, help="YYYY-MM: the month, against the one before.")
@click.option("--mo", default=None, help="One MO's figures; every MO and the service when absent.")
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
def report_committee(month: str, mo: str | None, output: str) -> None:
    """The continuous-improvement committee's report: the SLA figures, resolution time (without
    the wait on the client), warnings, breaches by channel and module, forwards to the DGGIR,
    reopenings, quality checks rejected and questions to clients, against the month before."""
    from starter.desks.committee import SERVICE, as_csv, trend
    from starter.desks.reports import check_month

    check_month(month)  # before anything is opened
    found = session.run_on_database(
        lambda desks: desks.committee, lambda committee: committee.report(month, mo)
    )
    if output == "json":
        click.echo(found.model_dump_json(indent=2))
        return
    if output == "csv":
        click.echo(as_csv(found), nl=False)
        return
    for line, before in zip(found.lines, found.previous, strict=True):
        click.echo(f"{line.mo or SERVICE}: {found.month} against {found.previous_month}")
        click.echo(f"  {'figure':<38} {found.month:>9} {found.previous_month:>9} {'change':>8}")
        for name, now, then, change in trend(line, before):
            click.echo(
                f"  {name:<38} {_figure(now):>9} {_figure(then):>9} {_figure(change, True):>8}"
            )
        for label, counts in (
            ("received by channel", line.received_by_channel),
            ("breaches by channel", line.breaches_by_channel),
            ("breaches by module", line.breaches_by_module),
        ):
            shown = " ".join(f"{k}={v}" for k, v in counts.items()) or "-"
            click.echo(f"  {label:<38} {shown}")
    if not found.lines:
        click.echo(f"nothing in {found.month} nor {found.previous_month}")


def _figure(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    text = f"{value:+.2f}" if signed else f"{value:.2f}"
    return text.removesuffix(".00")
