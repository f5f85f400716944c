"""The audit trail (issue 5): who did what, when, with what outcome, refusals included, for
every request, kept apart from the engine's history (it outlives its retention). Each entry
carries the hash of the one before it, so an altered, removed or reordered entry shows.

Pure: the hash and the check; the adapter stores the entries.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from models.tickets import Contract

GENESIS = "0" * 64


class Outcome(StrEnum):
    done = "done"
    refused = "refused"  # by a rule: the caller's request changed nothing
    failed = "failed"


class AuditEvent(Contract):
    """What happened, before it takes its place in the chain."""

    at: datetime
    workflow_id: str  # the request, or the record (a registre, a token) it acted on
    mo: str | None
    actor: str
    role: str
    action: str
    outcome: Outcome
    detail: str = ""


class AuditEntry(AuditEvent):
    seq: int
    prev_hash: str
    hash: str


def entry_hash(seq: int, event: AuditEvent, prev_hash: str) -> str:
    """SHA-256 over the previous hash and every field, in a fixed canonical form."""
    fields = {"seq": seq, **event.model_dump(mode="json"), "prev_hash": prev_hash}
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def chained(seq: int, event: AuditEvent, prev_hash: str) -> AuditEntry:
    return AuditEntry(
        **event.model_dump(),
        seq=seq,
        prev_hash=prev_hash,
        hash=entry_hash(seq, event, prev_hash),
    )


class ChainBreak(Contract):
    seq: int
    problem: str


def verify_chain(entries: Iterable[AuditEntry], head_seq: int, head_hash: str) -> list[ChainBreak]:
    """Every break in the chain, in order: an entry whose content no longer matches its hash
    (altered), a missing number (removed), a link to a hash that is not its predecessor's
    (reordered or removed), and a chain shorter than its head says (the newest removed)."""
    breaks = []
    expected_seq, prev = 1, GENESIS
    for entry in entries:
        event = AuditEvent(**entry.model_dump(exclude={"seq", "prev_hash", "hash"}))
        if entry.seq != expected_seq:
            breaks.append(
                ChainBreak(
                    seq=entry.seq, problem=f"entries {expected_seq}..{entry.seq - 1} removed"
                )
                if entry.seq > expected_seq
                else ChainBreak(seq=entry.seq, problem="out of order")
            )
        if entry_hash(entry.seq, event, entry.prev_hash) != entry.hash:
            breaks.append(
                ChainBreak(seq=entry.seq, problem="altered: its content no longer matches its hash")
            )
        if entry.prev_hash != prev:
            breaks.append(ChainBreak(seq=entry.seq, problem="not linked to the entry before it"))
        expected_seq, prev = entry.seq + 1, entry.hash
    if expected_seq - 1 != head_seq or prev != head_hash:
        breaks.append(
            ChainBreak(
                seq=head_seq,
                problem=f"the chain ends at {expected_seq - 1} but its head is at {head_seq}",
            )
        )
    return breaks


class WorkflowStep(Contract):
    kind: str
    actor: str
    at: datetime
    note: str | None = None


class WorkflowSteps(Contract):
    """Steps a workflow logged, numbered from `first_index` in its run: each goes to the trail
    once (its key is the run and its number)."""

    workflow_id: str
    run_id: str
    mo: str
    process: str
    first_index: int
    steps: list[WorkflowStep]
    # For requests under the 24-hour take-in-charge rule (arrivals, departures, parameterisation
    # and access): their deadline, so the steps also keep the SLA report's facts.
    due: datetime | None = None
