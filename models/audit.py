"""The audit trail: who did what, when, with what outcome, refusals and failures included, for
every request, kept apart from the engine's history (it outlives its retention).

Each entry is sealed: an HMAC-SHA256, under a key that lives in the configuration and never in
the database, over a canonical form of every column and of the seal of the entry before it. So an
entry edited in any column, removed or moved shows; rewriting a stretch of the trail would take
the key. Checkpoints of the chain's newest entry (its number and seal), kept outside the database
(in the engine's history and in a file), show what a chain alone cannot: its newest entries
removed with the head moved back, the whole trail wiped, or a stretch rewritten by someone who had
the key.

Pure: the canonical form, the seal and the check; the adapter stores the entries.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from models.requests import Listing
from models.tickets import Contract

GENESIS = "0" * 64
# Entries written before the trail was sealed with a key carry no key id: plain SHA-256.
LEGACY = None


class Outcome(StrEnum):
    done = "done"
    refused = "refused"  # by a rule: the caller's request changed nothing
    failed = "failed"  # the desk could not do it (an error on its side)


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
    hash: str  # the entry's seal
    key_id: str | None = None
    source_key: str | None = None  # a workflow step's `<id>/<run>/<number>`: appended once


@dataclass(frozen=True)
class SealKeys:
    """The audit keys: the first seals, every one verifies (so a key can rotate)."""

    signing: str
    secrets: dict[str, bytes] = field(repr=False)

    @classmethod
    def of(cls, keys: Sequence[tuple[str, bytes]]) -> SealKeys:
        if not keys:
            raise ValueError("at least one audit key is required")
        return cls(keys[0][0], dict(keys))

    def __repr__(self) -> str:  # never print a secret
        return f"SealKeys(signing={self.signing!r}, ids={sorted(self.secrets)!r})"


def canonical(
    seq: int, event: AuditEvent, prev_hash: str, key_id: str | None, source: str | None
) -> str:
    """Every column in one fixed form, whatever the database gives back: the time in UTC to the
    microsecond (a time written with its Montreal offset reads back in UTC)."""
    fields = {
        "seq": seq,
        **event.model_dump(mode="json"),
        "at": _utc(event.at),
        "prev_hash": prev_hash,
        "key_id": key_id,
        "source_key": source,
    }
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def seal(
    keys: SealKeys, seq: int, event: AuditEvent, prev_hash: str, source: str | None = None
) -> AuditEntry:
    """The entry `event` becomes at number `seq`, sealed with the signing key."""
    key_id = keys.signing
    text = canonical(seq, event, prev_hash, key_id, source)
    return AuditEntry(
        **event.model_dump(),
        seq=seq,
        prev_hash=prev_hash,
        hash=_hmac(keys.secrets[key_id], text),
        key_id=key_id,
        source_key=source,
    )


class Checkpoint(Contract):
    """The chain's newest entry as it stood at `at`, kept outside the desk's database."""

    seq: int
    hash: str
    at: datetime
    where: str = ""  # the engine, or the file


class ChainBreak(Contract):
    seq: int
    problem: str


def verify_chain(
    entries: Iterable[AuditEntry],
    head_seq: int,
    head_hash: str,
    keys: SealKeys,
    checkpoints: Sequence[Checkpoint] = (),
) -> list[ChainBreak]:
    """Every break in the trail, in order, each with its own sentence: an entry altered (its seal
    no longer matches any column), sealed with a key nobody configured, entries removed, an entry
    not linked to the one before (reordered), a head that says more than the chain holds (the
    newest removed); and against each checkpoint: the trail wiped, cut back before it, or
    rewritten up to it."""
    breaks: list[ChainBreak] = []
    seals: dict[int, str] = {}
    expected_seq, prev = 1, GENESIS
    for entry in entries:
        if entry.seq != expected_seq:
            if entry.seq > expected_seq:
                first = "the first entries" if expected_seq == 1 else "entries"
                breaks.append(
                    ChainBreak(
                        seq=entry.seq,
                        problem=f"{first} {expected_seq}..{entry.seq - 1} removed",
                    )
                )
            else:
                breaks.append(ChainBreak(seq=entry.seq, problem="out of order"))
        breaks.extend(_seal_breaks(entry, keys))
        if entry.prev_hash != prev:
            breaks.append(ChainBreak(seq=entry.seq, problem="not linked to the entry before it"))
        seals[entry.seq] = entry.hash
        expected_seq, prev = entry.seq + 1, entry.hash
    last = expected_seq - 1
    # The head is read before the entries: entries appended meanwhile may follow it (and are
    # checked like any other), but the chain must reach it, with the seal it names.
    if head_seq > last or (head_seq > 0 and seals.get(head_seq) != head_hash):
        breaks.append(
            ChainBreak(
                seq=head_seq,
                problem=f"the newest entries removed: the head says {head_seq}, the chain ends at "
                f"{last}",
            )
        )
    for checkpoint in checkpoints:
        breaks.extend(_checkpoint_breaks(checkpoint, seals, last))
    return breaks


def _seal_breaks(entry: AuditEntry, keys: SealKeys) -> list[ChainBreak]:
    event = AuditEvent(**entry.model_dump(include=set(AuditEvent.model_fields)))
    if entry.key_id is LEGACY:
        if entry.hash in _legacy_hashes(entry.seq, event, entry.prev_hash):
            return []
    elif entry.key_id not in keys.secrets:
        return [ChainBreak(seq=entry.seq, problem=f"sealed with an unknown key {entry.key_id!r}")]
    else:
        text = canonical(entry.seq, event, entry.prev_hash, entry.key_id, entry.source_key)
        if hmac.compare_digest(_hmac(keys.secrets[entry.key_id], text), entry.hash):
            return []
    return [ChainBreak(seq=entry.seq, problem="altered: its content no longer matches its seal")]


def _checkpoint_breaks(
    checkpoint: Checkpoint, seals: dict[int, str], last: int
) -> list[ChainBreak]:
    where = f" ({checkpoint.where})" if checkpoint.where else ""
    when = f"the checkpoint of {_utc(checkpoint.at)}{where}"
    if checkpoint.seq == 0:
        return []
    if not seals:
        return [
            ChainBreak(
                seq=checkpoint.seq,
                problem=f"wiped: the trail is empty, but {when} saw {checkpoint.seq} entries",
            )
        ]
    if last < checkpoint.seq:
        return [
            ChainBreak(
                seq=checkpoint.seq,
                problem=f"truncated: {when} saw entry {checkpoint.seq}, the trail ends at {last}",
            )
        ]
    found = seals.get(checkpoint.seq)
    if found is not None and not hmac.compare_digest(found, checkpoint.hash):
        return [
            ChainBreak(
                seq=checkpoint.seq,
                problem=f"rewritten: entry {checkpoint.seq} is not the one {when} saw",
            )
        ]
    return []


def _legacy_hashes(seq: int, event: AuditEvent, prev_hash: str) -> set[str]:
    """The unkeyed SHA-256 of an entry written before the trail was sealed, over the time as it
    was written: in UTC, or with the Montreal offset a step could carry."""
    found = set()
    for zone in (UTC, ZoneInfo("America/Montreal")):
        fields = {
            "seq": seq,
            **event.model_copy(update={"at": event.at.astimezone(zone)}).model_dump(mode="json"),
            "prev_hash": prev_hash,
        }
        text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        found.add(hashlib.sha256(text.encode()).hexdigest())
    return found


def _hmac(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
    # How the request lists now, for the desk's records; `sent` orders a run's batches.
    listing: Listing | None = None
    sent: int = 0
