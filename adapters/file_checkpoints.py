"""Checkpoints of the audit trail in a file outside the desk's database: one JSON line each,
appended and flushed to disk, so whoever can rewrite the database's tables cannot move them."""

from __future__ import annotations

import os
from pathlib import Path

from models.audit import Checkpoint


class FileCheckpoints:
    def __init__(self, path: Path) -> None:
        self._path = path

    def record(self, checkpoint: Checkpoint) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        line = checkpoint.model_copy(update={"where": ""}).model_dump_json() + "\n"
        with self._path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def latest(self, count: int) -> list[Checkpoint]:
        """The newest `count` checkpoints, newest first."""
        if not self._path.exists():
            return []
        lines = self._path.read_text(encoding="utf-8").splitlines()
        return [
            Checkpoint.model_validate_json(line).model_copy(update={"where": str(self._path)})
            for line in reversed(lines[-count:])
            if line.strip()
        ]
