"""Lean input schemas: what reaches the model of every session, without what a client does not need.

Why: every MCP client sends each listed tool's name, description and input schema to its model
at the start of every session. Pydantic's schemas repeat what the structure already says: a
`title` on every object and property (the property's name, capitalised), for an optional
argument an `anyOf` with `{"type": "null"}` plus `"default": null`, and empty defaults (`""`,
`false`, `[]`) that only say "left out" (not being in `required` already says it may be left
out), and `minLength: 1` on identifiers (no model sends an empty one unprompted, and the server
refuses it with the argument's name). Defaults that mean something (`limit` 50, a reminder of 15
minutes) stay. Arguments are
still validated by the function's own model, so a client that sends null, or leaves an argument
out, is served as before.
"""

from __future__ import annotations

from typing import Any

NULL = {"type": "null"}
EMPTY_DEFAULTS: tuple[Any, ...] = ("", False, [], {})
"""Defaults that say only "not given"; dropped from the listed schema."""


def lean_schema(schema: Any) -> Any:
    """`schema` without titles and without the null alternative and null default of optional values."""
    if isinstance(schema, list):
        return [lean_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    lean: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "minLength" and value == 1:
            continue
        if key == "default" and any(value == empty and type(value) is type(empty) for empty in EMPTY_DEFAULTS):
            continue
        if key in ("properties", "$defs") and isinstance(value, dict):
            lean[key] = {name: lean_schema(sub) for name, sub in value.items()}
        else:
            lean[key] = lean_schema(value)
    return _without_null(lean)


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional value's schema as its non-null alternative(s), when its default is null."""
    options = schema.get("anyOf")
    if not isinstance(options, list) or NULL not in options or schema.get("default", ...) is not None:
        return schema
    rest = [option for option in options if option != NULL]
    lean = {key: value for key, value in schema.items() if key not in ("anyOf", "default")}
    if len(rest) == 1 and isinstance(rest[0], dict) and not (set(rest[0]) & set(lean)):
        return {**rest[0], **lean}
    return {"anyOf": rest, **lean}


ANNOTATION_KEYS = frozenset({"title", "description", "default", "examples"})


class _Recursive(Exception):
    """A `$defs` entry refers to itself: its references stay as they are."""


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with each local `#/$defs/...` reference written out where it is used (same meaning).

    Why: a client checks every structured result against the tool's output schema, and resolving
    a `$ref` per list item is most of that check (a 200-card Deck board, 200 Talk messages). A
    recursive definition (a page tree) keeps its references."""
    defs = schema.get("$defs")
    if not isinstance(defs, dict):
        return schema

    def expand(node: Any, seen: frozenset[str]) -> Any:
        if isinstance(node, list):
            return [expand(item, seen) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            name = ref.removeprefix("#/$defs/")
            if name in seen or name not in defs:
                raise _Recursive
            target = expand(defs[name], seen | {name})
            rest = {key: expand(value, seen) for key, value in node.items() if key != "$ref"}
            if set(rest) & set(target) - ANNOTATION_KEYS:
                return {"allOf": [target], **rest}
            return {**target, **rest}
        return {key: expand(value, seen) for key, value in node.items() if key != "$defs"}

    try:
        return expand(schema, frozenset())  # type: ignore[no-any-return]
    except _Recursive:
        return schema


GENERAL_KEYS = frozenset({"enum", "const", "anyOf", "allOf", "oneOf", "not", "$ref", "if"})
"""Keywords that constrain a value of any type; every other keyword applies to one type only."""


def typed_nulls(schema: Any) -> Any:
    """`schema` with each `anyOf: [S, {"type": "null"}]` written `S` with `"type": [S's type, "null"]`.

    The same meaning (a keyword such as `properties` or `pattern` constrains only values of its own
    type), without the failing branch a validator tries, and records an error for, on every null."""
    if isinstance(schema, list):
        return [typed_nulls(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    node = {key: typed_nulls(value) for key, value in schema.items()}
    options = node.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and NULL in options:
        other = options[1 - options.index(NULL)]
        if isinstance(other, dict) and isinstance(other.get("type"), str) and not (set(other) & GENERAL_KEYS):
            rest = {key: value for key, value in node.items() if key != "anyOf"}
            if not (set(rest) & set(other) - ANNOTATION_KEYS):
                return {**other, **rest, "type": [other["type"], "null"]}
    return node


def output_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The output schema a client checks each result against, in the form cheapest to check."""
    return typed_nulls(inline_refs(schema))  # type: ignore[no-any-return]
