"""One error type per failure kind, with Nextcloud's own explanation, mapped to one
actionable tool message each; transport failures never leak request details."""

from __future__ import annotations

import ssl

import httpx
import pytest

from nextcloud_mcp_server.nextcloud import errors as nc
from nextcloud_mcp_server.nextcloud.ocs import unwrap
from nextcloud_mcp_server.tools._base import tool_error

SABRE_404 = b"""<?xml version="1.0" encoding="utf-8"?>
<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">
  <s:exception>Sabre\\DAV\\Exception\\NotFound</s:exception>
  <s:message>File with name //missing.txt could not be located</s:message>
</d:error>"""


def response(status: int, body: bytes = b"", *, content_type: str = "", headers: dict[str, str] | None = None):
    all_headers = dict(headers or {})
    if content_type:
        all_headers["Content-Type"] = content_type
    return httpx.Response(status, content=body, headers=all_headers, request=httpx.Request("GET", "https://nc/x"))


def ocs_body(statuscode: int, message: str, data: object = None) -> bytes:
    import json

    return json.dumps(
        {"ocs": {"meta": {"status": "failure", "statuscode": statuscode, "message": message}, "data": data}}
    ).encode()


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, nc.BadRequest),
        (401, nc.Unauthorized),
        (403, nc.Forbidden),
        (404, nc.NotFound),
        (405, nc.MethodNotAllowed),
        (409, nc.Conflict),
        (412, nc.PreconditionFailed),
        (423, nc.Locked),
        (429, nc.RateLimited),
        (507, nc.InsufficientStorage),
        (500, nc.ServerError),
        (502, nc.ServerError),
        (503, nc.ServerError),
    ],
)
def test_each_status_raises_its_own_error_type(status: int, kind: type[nc.NextcloudError]) -> None:
    with pytest.raises(kind) as err:
        nc.raise_for_status(response(status))
    assert err.value.status == status


def test_a_success_raises_nothing() -> None:
    nc.raise_for_status(response(207))


def test_an_unlisted_client_error_keeps_its_status() -> None:
    with pytest.raises(nc.NextcloudError) as err:
        nc.raise_for_status(response(418))
    assert type(err.value) is nc.NextcloudError
    assert err.value.status == 418


def test_sabres_message_becomes_the_detail() -> None:
    with pytest.raises(nc.NotFound) as err:
        nc.raise_for_status(response(404, SABRE_404, content_type="application/xml; charset=utf-8"))
    assert err.value.detail == "File with name //missing.txt could not be located"
    assert str(err.value) == "HTTP 404: File with name //missing.txt could not be located"


def test_an_ocs_meta_message_becomes_the_detail() -> None:
    body = ocs_body(403, "You are not allowed to edit this share")
    with pytest.raises(nc.Forbidden) as err:
        nc.raise_for_status(response(403, body, content_type="application/json"))
    assert err.value.detail == "You are not allowed to edit this share"


def test_a_json_message_of_an_app_api_becomes_the_detail() -> None:
    with pytest.raises(nc.BadRequest) as err:
        nc.raise_for_status(response(400, b'{"message": "title is too long"}', content_type="application/json"))
    assert err.value.detail == "title is too long"


def test_an_html_error_page_gives_no_detail() -> None:
    with pytest.raises(nc.ServerError) as err:
        nc.raise_for_status(response(500, b"<html><body>Internal Server Error</body></html>", content_type="text/html"))
    assert err.value.detail == ""


def test_a_long_detail_is_trimmed() -> None:
    long = b"<s:message>" + b"x" * 5000 + b"</s:message>"
    with pytest.raises(nc.Conflict) as err:
        nc.raise_for_status(response(409, long))
    assert len(err.value.detail) == 300


def test_a_412_carries_the_current_etag() -> None:
    with pytest.raises(nc.PreconditionFailed) as err:
        nc.raise_for_status(response(412, headers={"ETag": '"v9"'}))
    assert err.value.current_etag == '"v9"'


def test_the_412_tool_message_names_the_current_etag_and_what_to_do() -> None:
    message = str(tool_error(nc.PreconditionFailed("", current_etag='"v9"'), "Update note"))
    assert "412" in message
    assert '"v9"' in message
    assert "retry with the current etag" in message


@pytest.mark.parametrize(
    ("status", "phrase"),
    [
        (401, "app password"),
        (403, "permission"),
        (404, "does not exist"),
        (405, "does not allow"),
        (409, "conflicts"),
        (423, "locked"),
        (429, "rate-limiting"),
        (507, "quota"),
        (503, "retry later"),
    ],
)
def test_each_failure_kind_has_its_own_actionable_tool_message(status: int, phrase: str) -> None:
    message = str(tool_error(nc.error_for(status, "Nextcloud's words"), "Read file"))
    assert message.startswith(f"Read file failed (HTTP {status}): ")
    assert phrase in message
    assert "Nextcloud said: Nextcloud's words" in message


def test_ocs_v1_failure_codes_become_typed_errors_with_the_meta_message() -> None:
    with pytest.raises(nc.NotFound) as err:
        unwrap(response(200, ocs_body(998, "User does not exist"), content_type="application/json"))
    assert err.value.detail == "User does not exist"


def test_ocs_v2_success_returns_the_data() -> None:
    body = b'{"ocs": {"meta": {"status": "ok", "statuscode": 200, "message": "OK"}, "data": {"id": "alice"}}}'
    assert unwrap(response(200, body, content_type="application/json")) == {"id": "alice"}


def test_a_body_that_is_not_an_ocs_envelope_is_a_bad_response() -> None:
    with pytest.raises(nc.BadResponse):
        unwrap(response(200, b"<html>login</html>", content_type="text/html"))


def test_a_connection_failure_names_the_nextcloud_url_but_not_the_request() -> None:
    request = httpx.Request("GET", "https://nc.example/remote.php/dav/files/alice/secret-plan.txt?token=abc")
    exc = httpx.ConnectError("[Errno 111] Connection refused", request=request)
    error = nc.unreachable(exc, "https://nc.example")
    assert type(error) is nc.Unreachable
    assert error.detail == "cannot reach Nextcloud at https://nc.example: ConnectError: [Errno 111] Connection refused"
    assert "secret-plan" not in str(error)
    assert "token" not in str(error)
    assert str(error) == error.detail


def test_a_timeout_without_a_message_says_no_answer_came_in_time() -> None:
    error = nc.unreachable(httpx.ReadTimeout(""), "https://nc.example")
    assert error.detail == "cannot reach Nextcloud at https://nc.example: ReadTimeout: no answer in time"


def test_a_certificate_failure_says_why_and_which_variable_to_set() -> None:
    cause = ssl.SSLCertVerificationError(
        1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain"
    )
    try:
        raise httpx.ConnectError(str(cause)) from cause
    except httpx.ConnectError as exc:
        error = nc.unreachable(exc, "https://nc.example")
    assert isinstance(error, nc.UntrustedCertificate)
    assert isinstance(error, nc.Unreachable)
    assert error.detail.startswith(
        "cannot reach Nextcloud at https://nc.example: certificate verification failed "
        "(self-signed certificate in certificate chain). Set NEXTCLOUD_CA_BUNDLE"
    )
    assert error.detail.endswith("(or NEXTCLOUD_VERIFY_SSL=false, for testing only)")
    message = str(tool_error(error, "List directory"))
    assert message.startswith("List directory failed: cannot reach Nextcloud at https://nc.example")
    assert "NEXTCLOUD_URL is right" not in message


def test_the_unreachable_tool_message_says_what_to_check() -> None:
    error = nc.unreachable(httpx.ConnectError("[Errno 111] Connection refused"), "http://127.0.0.1:9")
    message = str(tool_error(error, "List directory"))
    assert message.startswith("List directory failed: cannot reach Nextcloud at http://127.0.0.1:9")
    assert "NEXTCLOUD_URL" in message
