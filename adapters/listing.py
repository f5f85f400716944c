"""Lists read from the desk's records: filtered and sorted by the database, one page at a time
after a cursor (the sort key of the last item given: a keyset, so an item added or changed
meanwhile never makes a page skip or repeat another), with the total."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Select, and_, func, literal, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from models.requests import Listed, ListQuery, Page

T = TypeVar("T")


class BadCursor(ValueError):
    """A cursor this desk did not give."""


def page(
    connection: Connection,
    query: Select[*tuple[Any, ...]],
    query_args: ListQuery,
    keys: Sequence[tuple[InstrumentedAttribute[Any], bool]],
    listed: Callable[[Any], Listed],
) -> Page:
    """One page of `query` (already filtered: a select of the columns it lists, rows rather than
    ORM objects, which a list does not need), sorted by `keys` (column, ascending), after the
    query's cursor; `listed` turns a row into an item."""
    items, total, next_cursor = rows_page(
        connection, query, query_args.limit, query_args.cursor, keys, listed
    )
    return Page(items=items, total=total, next_cursor=next_cursor)


def rows_page(
    connection: Connection,
    query: Select[*tuple[Any, ...]],
    limit: int,
    cursor: str | None,
    keys: Sequence[tuple[InstrumentedAttribute[Any], bool]],
    item: Callable[[Any], T],
) -> tuple[list[T], int, str | None]:
    """The items of one page, the total, and the cursor of the next page (None at the end)."""
    total = connection.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(*(column if up else column.desc() for column, up in keys))
    if cursor is not None:
        ordered = ordered.where(_after(keys, _decode(cursor, len(keys))))
    rows = list(connection.execute(ordered.limit(limit + 1)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _encode([getattr(rows[-1], column.key) for column, _ in keys]) if more else None
    return [item(row) for row in rows], total, next_cursor


def _after(
    keys: Sequence[tuple[InstrumentedAttribute[Any], bool]], values: list[Any]
) -> ColumnElement[bool]:
    """Rows sorting after `values`: lexicographic over the keys, each in its own direction."""
    (column, up), given = keys[0], values[0]
    value = literal(given, column.type)  # a bound value, even a boolean (`urgent`)
    beyond = column > value if up else column < value
    if len(keys) == 1:
        return beyond
    return or_(beyond, and_(column == value, _after(keys[1:], values[1:])))


def _encode(values: list[Any]) -> str:
    plain = [{"t": value.isoformat()} if isinstance(value, datetime) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(cursor: str, count: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != count:
            raise ValueError
        return [datetime.fromisoformat(v["t"]) if isinstance(v, dict) else v for v in values]
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise BadCursor("cursor: is not a cursor this list gave") from None
