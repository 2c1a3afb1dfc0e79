"""Row values by column name, typed by column type: what a person writes <-> what Tables stores.

Why here: Tables keys a row's cells by column id and stores each type in its own shape (option
ids for a selection, "true"/"false" for a check, "YYYY-MM-DD HH:MM" for a datetime, `[{id, type}]`
for users and groups), and refuses few wrong values itself (a number in a text column is stored
as text). So every value is checked against its column before the request, and a wrong one is
refused naming the column and what it accepts.

    written                          stored
    text-*        "words"            "words"
    number(-*)    42 / 2.5           42 / 2.5 (stars 0-5, progress 0-100, min/max as set)
    datetime      "2026-03-01 14:30" same (date: "2026-03-01", time: "14:30"; ISO input is accepted)
    selection     "Open"             option id
    selection-multi ["A", "B"]       [option ids]
    selection-check true             "true"
    usergroup     "alice" / ["alice", "group:staff"]  [{"id": "alice", "type": 0}, {"id": "staff", "type": 1}]
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time
from typing import Any

from nextcloud_mcp_server.nextcloud.errors import InvalidInput
from nextcloud_mcp_server.nextcloud.tables import Column

KINDS = (
    "text-line", "text-long", "text-rich", "text-link",
    "number", "number-stars", "number-progress",
    "datetime", "datetime-date", "datetime-time",
    "selection", "selection-multi", "selection-check",
    "usergroup",
)  # fmt: skip
"""Every column type as `type-subtype` (the plain number, datetime, selection and usergroup have no subtype)."""

USER, GROUP, TEAM = 0, 1, 2
_PREFIX = {"group:": GROUP, "team:": TEAM}


def by_name(columns: list[Column], argument: str, name: str, where: str = "table") -> Column:
    """The column titled `name` (case-insensitive when unambiguous) among the `where`'s (table or view) columns."""
    exact = [c for c in columns if c.title == name]
    found = exact or [c for c in columns if c.title.casefold() == name.strip().casefold()]
    if len(found) != 1:
        names = ", ".join(repr(c.title) for c in columns) or "none yet"
        raise InvalidInput(argument, f"no column {name!r} in this {where}; its columns are {names}")
    return found[0]


def to_stored(
    columns: list[Column], data: dict[str, Any], argument: str = "data", where: str = "table"
) -> dict[int, Any]:
    """`data` (column name -> value) as Tables stores it, keyed by column id; InvalidInput naming the column."""
    if not isinstance(data, dict) or not data:
        raise InvalidInput(argument, 'give an object of column name -> value, e.g. {"Title": "Buy milk"}')
    stored: dict[int, Any] = {}
    for name, value in data.items():
        column = by_name(columns, argument, name, where)
        stored[column.id] = stored_value(column, value, f"{argument}.{column.title}")
    return stored


def stored_value(column: Column, value: Any, argument: str) -> Any:
    """One value for `column` as Tables stores it; None empties the cell."""
    if value is None:
        if column.mandatory:
            raise InvalidInput(argument, f"column {column.title!r} is mandatory; give a value")
        return None
    kind = column.kind
    if kind.startswith("text"):
        return _text(column, value, argument)
    if kind.startswith("number"):
        return _number(column, value, argument)
    if kind.startswith("datetime"):
        return _datetime(kind, value, argument)
    if kind == "selection-check":
        if not isinstance(value, bool):
            raise InvalidInput(argument, "column is a check box; give true or false")
        return "true" if value else "false"
    if kind.startswith("selection"):
        return _selection(column, value, argument)
    if kind == "usergroup":
        return _usergroup(column, value, argument)
    return value  # a type newer than this server: passed on as given


def _text(column: Column, value: Any, argument: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(argument, f"column {column.title!r} holds text; give a string")
    if column.kind == "text-link" and value and not re.match(r"^[a-z][a-z0-9+.-]*://\S+$", value, re.I):
        raise InvalidInput(argument, f"column {column.title!r} holds a link; give a URL such as https://example.org")
    if column.kind == "text-line" and column.text_max_length and len(value) > column.text_max_length:
        raise InvalidInput(argument, f"column {column.title!r} holds at most {column.text_max_length} characters")
    return value


def _number(column: Column, value: Any, argument: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(argument, f"column {column.title!r} holds a number; give a number, not {value!r}")
    bounds: dict[str, tuple[float | None, float | None]] = {"number-stars": (0, 5), "number-progress": (0, 100)}
    low, high = bounds.get(column.kind, (None, None))
    low = column.number_min if column.number_min is not None and column.kind == "number" else low
    high = column.number_max if column.number_max is not None and column.kind == "number" else high
    if column.kind == "number-stars" and value != int(value):
        raise InvalidInput(argument, f"column {column.title!r} holds 0 to 5 stars; give a whole number")
    if (low is not None and value < low) or (high is not None and value > high):
        raise InvalidInput(argument, f"column {column.title!r} accepts numbers from {_num(low)} to {_num(high)}")
    return value


def _num(value: float | None) -> str:
    if value is None:
        return "any"
    return str(int(value)) if value == int(value) else str(value)


def _datetime(kind: str, value: Any, argument: str) -> str:
    name = argument.split(".", 1)[-1]
    shapes = {"datetime": "'YYYY-MM-DD HH:MM'", "datetime-date": "'YYYY-MM-DD'", "datetime-time": "'HH:MM'"}
    try:
        if not isinstance(value, str):
            raise ValueError
        if kind == "datetime-time":
            return time.fromisoformat(value.strip()).strftime("%H:%M")
        if kind == "datetime-date":
            return date.fromisoformat(value.strip()[:10]).isoformat()
        return datetime.fromisoformat(value.strip()).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        raise InvalidInput(argument, f"column {name!r} holds a {kind.replace('-', ' ')}; give {shapes[kind]}") from None


def _selection(column: Column, value: Any, argument: str) -> int | list[int]:
    labels = [option.label for option in column.selection_options]
    allowed = ", ".join(repr(label) for label in labels)
    multi = column.kind == "selection-multi"
    values = value if isinstance(value, list) and multi else [value]
    ids: list[int] = []
    for item in values:
        match = [o.id for o in column.selection_options if isinstance(item, str) and o.label == item] or [
            o.id for o in column.selection_options if isinstance(item, str) and o.label.casefold() == item.casefold()
        ]
        if len(match) != 1:
            one = "one or more" if multi else "one"
            raise InvalidInput(
                argument, f"{item!r} is not an option of column {column.title!r}; give {one} of {allowed}"
            )
        ids.append(match[0])
    return ids if multi else ids[0]


def _usergroup(column: Column, value: Any, argument: str) -> list[dict[str, Any]]:
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(item, str) and item.strip() for item in values):
        raise InvalidInput(argument, f"column {column.title!r} holds users; give user ids ('group:<id>' for a group)")
    if len(values) > 1 and column.usergroup_multiple is False:
        raise InvalidInput(argument, f"column {column.title!r} holds one user or group; give one")
    found = []
    for item in values:
        kind = next((k for prefix, k in _PREFIX.items() if item.startswith(prefix)), USER)
        ident = item.split(":", 1)[1] if kind != USER else item
        if (kind == GROUP and column.usergroup_groups is False) or (kind == USER and column.usergroup_users is False):
            raise InvalidInput(argument, f"column {column.title!r} does not accept {'groups' if kind else 'users'}")
        found.append({"id": ident.strip(), "type": kind})
    return found


def readable(column: Column, value: Any) -> Any:
    """A stored value as a person writes it (the inverse of `stored_value`)."""
    kind = column.kind
    if value is None:
        return None
    if kind == "selection-check":
        return value in (True, "true", 1, "1")
    if kind == "selection-multi":
        ids = json.loads(value) if isinstance(value, str) and value.startswith("[") else value
        return [_label(column, item) for item in (ids if isinstance(ids, list) else [ids])]
    if kind == "selection":
        return _label(column, value)
    if kind == "usergroup":
        items = json.loads(value) if isinstance(value, str) and value.startswith("[") else value
        prefix = {GROUP: "group:", TEAM: "team:"}
        return [prefix.get(int(i.get("type") or 0), "") + str(i.get("id")) for i in items if isinstance(i, dict)]
    if kind == "text-link" and isinstance(value, str) and value.startswith("{"):
        try:
            return json.loads(value).get("value", value)  # Tables ≥ 0.7 keeps a link as {title, value, providerId}
        except (ValueError, AttributeError):
            return value
    return value


def _label(column: Column, value: Any) -> Any:
    return next((o.label for o in column.selection_options if str(o.id) == str(value)), value)


def row_values(columns: list[Column], cells: list[Any]) -> dict[str, Any]:
    """A row's cells (`Cell`s) by column name, readable, in column order."""
    by_id = {cell.column_id: cell.value for cell in cells}
    return {c.title: readable(c, by_id[c.id]) for c in columns if c.id in by_id}


def filter_value(column: Column, value: Any, argument: str) -> Any:
    """A view filter's value as Tables' frontend writes it: an option as `@selection-id-<id>`, a check
    box as `@checked`/`@unchecked` (Tables compares them with the stored cells); others as given."""
    if column.kind == "selection-check":
        if not isinstance(value, bool):
            raise InvalidInput(argument, f"column {column.title!r} is a check box; give true or false")
        return "@checked" if value else "@unchecked"
    if column.kind in ("selection", "selection-multi"):
        single = column.model_copy(update={"subtype": ""})
        return f"@selection-id-{_selection(single, value, argument)}"
    return value


def filter_readable(column: Column | None, value: Any) -> Any:
    """A stored view filter's value as `filter_value` takes it (an option label, true/false)."""
    if isinstance(value, str) and column is not None:
        if value in ("@checked", "@unchecked"):
            return value == "@checked"
        if value.startswith("@selection-id-"):
            return _label(column, value.removeprefix("@selection-id-"))
    return value
