"""Talk chat read (issue 13): `talk_get_messages` for the last 200 messages of a conversation, the
bytes of its result vs Talk's own answer, and its time vs the direct OCS call it makes (target
<= 1.5x).

The stand-in runs in its own process with one group conversation of the bench user and a peer,
holding 250 messages of about 160 characters (every tenth a reply, every seventh with a reaction);
the MCP server is built in this process and called through the SDK's in-memory client, so each
timing is one complete `tools/call`. The baseline is what a client of Talk's OCS API does for the
same page: `GET /ocs/v2.php/apps/spreed/api/v1/chat/{token}?lookIntoFuture=0&limit=200` with
`OCS-APIRequest: true`, JSON decoded, over one kept-alive httpx client. `measure_talk()` returns
`bench.measure.Row`s for bench/run.py; `python -m bench.talk_bench` prints them.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path
from typing import Any

import anyio
import httpx

from bench.measure import Row, interleaved, ms, verdict
from bench.standin_proc import standin_process

USER = "bench"
PASSWORD = "bench-app-password"
PEER = "bench-peer"
MESSAGES = 250
PAGE = 200
RUNS = 30
RATIO = 1.5
API = "/ocs/v2.php/apps/spreed/api"
HEADERS = {"OCS-APIRequest": "true", "Accept": "application/json"}


def conversation(standin: Any) -> None:
    """The child's setup (bench/standin_proc.py --setup): the bench user's 250-message conversation."""
    standin.add_user(PEER, "bench-peer-password", display_name="Bench Peer")
    talk = standin.services["spreed"]
    room = talk.create_room(USER, 2, "bench conversation", PEER)
    posted: list[Any] = []
    for i in range(MESSAGES):
        author = USER if i % 3 else PEER
        reply = posted[i - 3].id if i % 10 == 9 else 0
        text = f"Message {i:03d}: the migration of step {i} is " + "on track, details follow. " * 5
        posted.append(talk.post(room, author, text, reply_to=reply))
        if i % 7 == 0:
            posted[-1].reactions["👍"] = [("users", PEER, "Bench Peer", 1_700_000_000)]


async def _measure(url: str, runs: int) -> dict[str, Any]:
    from mcp import Client

    from nextcloud_mcp_server.auth.app_password import AppPasswordAccess
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.server import build_mcp_server

    settings = Settings(nextcloud_url=url, nextcloud_username=USER, nextcloud_password=PASSWORD, toolsets=["talk"],
                        log_level="WARNING")  # fmt: skip
    params = {"lookIntoFuture": 0, "limit": PAGE, "setReadMarker": 0, "markNotificationsAsRead": 0}
    async with (
        httpx.AsyncClient(base_url=url, auth=(USER, PASSWORD), headers=HEADERS) as http,
        Client(build_mcp_server(settings, AppPasswordAccess(settings))) as client,
    ):
        rooms = (await http.get(f"{API}/v4/room")).json()["ocs"]["data"]
        token = next(r["token"] for r in rooms if r["name"] == "bench conversation")
        raw: list[bytes] = []

        async def direct() -> None:
            response = await http.get(f"{API}/v1/chat/{token}", params=params)
            assert len(response.json()["ocs"]["data"]) == PAGE
            raw[:] = [response.content]

        async def messages() -> Any:
            result = await client.call_tool("talk_get_messages", {"token": token, "limit": PAGE})
            if result.is_error or len((result.structured_content or {}).get("messages", [])) != PAGE:
                raise RuntimeError(f"unexpected messages: {str(result.content)[:300]}")
            return result

        times, result = await interleaved(client, runs, direct, messages)
    found: dict[str, Any] = {**times, "raw_bytes": len(raw[0]), "tool_bytes": len(result.content[0].text.encode())}
    return found


def measure_talk(runs: int = RUNS) -> list[Row]:
    with (
        tempfile.TemporaryDirectory(prefix="nc-bench-talk-") as tmp,
        standin_process(Path(tmp), {USER: PASSWORD}, setup="bench.talk_bench:conversation") as nc,
    ):
        found = anyio.run(_measure, nc.url, runs)
    tool, direct = statistics.median(found["tool"]), statistics.median(found["direct"])
    unchecked = statistics.median(found["unchecked"])
    raw, text = found["raw_bytes"], found["tool_bytes"]
    return [
        Row(
            f"Talk: the last {PAGE} messages, `talk_get_messages` text vs Talk's own answer",
            f"{text / 1024:.1f} KiB vs {raw / 1024:.1f} KiB ({text / raw:.2f}x)",
            "smaller than Talk's answer",
            verdict(text < raw),
            "each message ~160 characters, every tenth a reply (its parent shortened to 200 characters), "
            "every seventh with a reaction; rich parameters written into the text",
        ),
        Row(
            f"Talk: the last {PAGE} messages, tool call vs the direct OCS call it makes",
            f"median {ms(tool)} vs {ms(direct)} ({tool / direct:.2f}x)",
            f"<= {RATIO:g}x",
            verdict(tool <= RATIO * direct),
            f"{runs} interleaved rounds after one warm-up, through the SDK's in-memory client (which validates "
            "the result against the output schema); direct = one GET chat with limit=200, JSON decoded",
        ),
        Row(
            f"Talk: the last {PAGE} messages, the same without the client's output validation",
            f"median {ms(unchecked)} vs {ms(direct)} ({unchecked / direct:.2f}x)",
            f"<= {RATIO:g}x",
            verdict(unchecked <= RATIO * direct),
            "what the server and the in-memory transport take: `validate_tool_result` of the SDK client "
            "replaced by a no-op",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.talk_bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args(argv)
    for row in measure_talk(args.runs):
        print(f"| {row.measure} | {row.figure} | {row.target} | {row.verdict} | {row.note} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
