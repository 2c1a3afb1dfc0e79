"""The Forms client's reading of Forms' answers: which status and message becomes which error,
and the request bodies it sends (keyValuePairs, newOrder, answers keyed by question id)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.errors import BadResponse, Forbidden, NotFound, Refused
from nextcloud_mcp_server.nextcloud.forms import FormsAPI

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"


def forms_api(handler: Callable[[httpx.Request], httpx.Response]) -> FormsAPI:
    settings = Settings(nextcloud_url=BASE, nextcloud_username="u", nextcloud_password="p", nextcloud_retries=0)
    http = make_client(settings, base_url=BASE, auth=httpx.BasicAuth("u", "p"), transport=httpx.MockTransport(handler))
    return FormsAPI(NextcloudClient(http, "u", BASE))


def ocs(status: int, data: Any = None, message: str = "") -> httpx.Response:
    meta = {"status": "ok" if status < 300 else "failure", "statuscode": status, "message": message}
    return httpx.Response(status, json={"ocs": {"meta": meta, "data": data if data is not None else []}})


async def test_the_missing_form_400_of_get_form_is_not_found_about_the_form() -> None:
    api = forms_api(lambda request: ocs(400, message="Could not find form"))
    with pytest.raises(NotFound) as caught:
        await api.form(7)
    assert caught.value.subject == "form 7"


async def test_other_400s_are_refusals_in_forms_own_words() -> None:
    api = forms_api(lambda request: ocs(400, message='Question "Where?" is required.'))
    with pytest.raises(Refused) as caught:
        await api.submit(3, {"1": []})
    assert (caught.value.status, caught.value.detail) == (400, 'Question "Where?" is required.')


async def test_a_403_is_forbidden_but_a_submission_403_is_a_rule_of_the_form() -> None:
    api = forms_api(lambda request: ocs(403, message="Already submitted"))
    with pytest.raises(Refused) as refused:
        await api.submit(3, {"1": ["2"]})
    assert refused.value.detail == "Already submitted"
    with pytest.raises(Forbidden) as forbidden:
        await api.delete(3)
    assert forbidden.value.subject == "form 3"


async def test_a_404_names_what_was_missing() -> None:
    api = forms_api(lambda request: ocs(404, message="Could not find question"))
    with pytest.raises(NotFound) as caught:
        await api.delete_question(3, 9)
    assert caught.value.subject == "question 9 in form 3"


async def test_bodies_are_forms_shapes() -> None:
    sent: list[tuple[str, str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append((request.method, request.url.path, json.loads(request.content or b"null")))
        assert request.headers["OCS-APIRequest"] == "true"
        return ocs(200, 1)

    api = forms_api(handler)
    await api.update(1, {"title": "T"})
    await api.reorder_options(1, 2, [5, 4])
    await api.update_share(1, 6, ["submit"])
    base = "/ocs/v2.php/apps/forms/api/v3/forms/1"
    assert sent == [
        ("PATCH", base, {"keyValuePairs": {"title": "T"}}),
        ("PATCH", f"{base}/questions/2/options", {"newOrder": [5, 4]}),
        ("PATCH", f"{base}/shares/6", {"keyValuePairs": {"permissions": ["submit"]}}),
    ]


async def test_an_export_that_answers_no_file_name_is_a_bad_response() -> None:
    api = forms_api(lambda request: ocs(200, {"unexpected": True}))
    with pytest.raises(BadResponse):
        await api.export(1, "", "csv")
