"""`sagir-desk mail`: the desk's mail. The intake's commands (triage, sorting, the MOs' mail
domains, a test message) come from starter/cli/mail_intake.py."""

from __future__ import annotations

import click

from starter.cli.mail_intake import add_intake_commands


@click.group()
def mail() -> None:
    """The desk's mail: triage of incoming mail, the MOs' mail domains, a test message."""


add_intake_commands(mail)
