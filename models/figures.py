"""What operations watch of the desk, read from its records (Prometheus gauges and counters): no
personal data, no MO, only how many."""

from __future__ import annotations

from models.tickets import Contract


class DeskFigures(Contract):
    """The desk's figures at one instant."""

    queue_depth: int  # tickets waiting to be taken in charge
    urgent_waiting: int  # of those, urgent phone tickets
    escalations: dict[str, int]  # given since the start, by kind (warnings and breaches among them)
    outbox: dict[str, int]  # mails by status: queued, sending, sent, failed
