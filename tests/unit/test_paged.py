"""The one list result shape: a page of items with the facts to fetch the next, and its schema."""

from __future__ import annotations

from pydantic import BaseModel

from nextcloud_mcp_server.tools._base import Paged


class Item(BaseModel):
    name: str


def test_a_page_in_the_middle_says_where_the_next_one_starts() -> None:
    items = [Item(name=str(n)) for n in range(5)]
    page = Paged[Item].of(items, offset=1, limit=2)
    assert [item.name for item in page.items] == ["1", "2"]
    assert page.page.model_dump() == {"total": 5, "offset": 1, "next_offset": 3}


def test_the_last_page_has_no_next_offset() -> None:
    page = Paged[Item].of([Item(name="a"), Item(name="b")], offset=1, limit=50)
    assert [item.name for item in page.items] == ["b"]
    assert page.page.next_offset is None


def test_its_output_schema_names_the_item_type() -> None:
    schema = Paged[Item].model_json_schema()
    assert schema["properties"]["items"]["items"] == {"$ref": "#/$defs/Item"}
    assert set(schema["required"]) == {"items", "page"}
