"""The stand-in kit reads multipart/form-data bodies as PHP does for a Nextcloud controller: plain
parts are request parameters (`Request.args()`, PHP's `$_POST`), parts with a file name are uploads
(`Request.files()`, what `$this->request->getUploadedFile(...)` gives)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.standin.kit import Request


def request_of(built: httpx.Request, query: list[tuple[str, str]] | None = None) -> Request:
    scope: dict[str, Any] = {
        "method": built.method,
        "headers": [(b"content-type", built.headers.get("content-type", "").encode())],
    }
    return Request(scope, None, {}, dict(query or []), built.read(), None, query or [])  # type: ignore[arg-type]


def test_fields_are_arguments_and_files_are_uploads() -> None:
    built = httpx.Request(
        "POST",
        "http://standin/",
        data={"type": "file", "ids[]": ["1", "2"], "meta[color]": "red"},
        files={"file": ("Grüße.bin", b"\x00\xff\r\n--not a boundary", "application/octet-stream")},
    )
    request = request_of(built, [("type", "deck_file"), ("limit", "5")])
    assert request.args() == {"type": "file", "limit": "5", "ids": ["1", "2"], "meta": {"color": "red"}}
    assert request.files() == {"file": ("Grüße.bin", "application/octet-stream", b"\x00\xff\r\n--not a boundary")}


def test_a_quoted_file_name_is_unescaped_and_an_empty_one_is_kept() -> None:
    body = (
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="a \\"b\\".txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nhello\r\n"
        b'--B\r\nContent-Disposition: form-data; name="other"; filename=""\r\n\r\n\r\n--B--\r\n'
    )
    request = request_of(
        httpx.Request(
            "POST", "http://standin/", content=body, headers={"Content-Type": "multipart/form-data; boundary=B"}
        )
    )
    assert request.files() == {"file": ('a "b".txt', "text/plain", b"hello"), "other": ("", "text/plain", b"")}
    assert request.args() == {}


def test_other_bodies_have_no_files() -> None:
    form = request_of(httpx.Request("POST", "http://standin/", data={"file": "x"}))
    assert (form.files(), form.args()) == ({}, {"file": "x"})
    json_body = request_of(httpx.Request("POST", "http://standin/", json={"file": "x"}))
    assert (json_body.files(), json_body.args()) == ({}, {"file": "x"})
    empty = request_of(
        httpx.Request("POST", "http://standin/", headers={"Content-Type": "multipart/form-data; boundary=B"})
    )
    assert (empty.files(), empty.args()) == ({}, {})
