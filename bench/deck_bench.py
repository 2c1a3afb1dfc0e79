"""Deck board overview (issue 12): `deck_get_board_overview` on a 200-card board, bytes returned in
summary vs full mode, and its time vs the direct REST calls it makes (target <= 1.5x).

The stand-in runs in its own process with one board of four stacks and 200 cards for the bench
user (each with a 600-character description, a label and an assignee); the MCP server is built in
this process and called through the SDK's in-memory client, so each timing is one complete
`tools/call`. The baseline is what a client of Deck's REST API does for the same picture: `GET
/boards/{id}` and `GET /boards/{id}/stacks` with `OCS-APIRequest: true`, JSON decoded, over one
kept-alive httpx client. The tool repeats its reads with `If-None-Match`, so after the first call
Deck answers 304 and the tool works from its cached answer; the baseline reads both in full.
`measure_deck()` returns `bench.measure.Row`s for bench/run.py; `python -m bench.deck_bench`
prints them.
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
TITLE = "bench board"
CARDS = 200
RUNS = 30
RATIO = 1.5
API = "/index.php/apps/deck/api/v1.0"
HEADERS = {"OCS-APIRequest": "true", "Accept": "application/json"}


def board(standin: Any) -> None:
    """The child's setup (bench/standin_proc.py --setup): the bench user's 200-card board."""
    deck = standin.services["deck"]
    made = deck.add_board(USER, TITLE)
    stacks = [
        deck.add_stack(made.id, title, order) for order, title in enumerate(("Backlog", "Doing", "Review", "Done"))
    ]
    label = next(lab for lab in deck.labels.values() if lab.board_id == made.id)
    for i in range(CARDS):
        card = deck.add_card(stacks[i % 4].id, f"Task {i:03d}: prepare the next step", USER, i,
                             f"Step {i} of the migration: " + "details " * 75)  # fmt: skip
        card.labels.append(label.id)
        card.assigned.append((1_000_000 + i, USER))


async def _measure(url: str, runs: int) -> dict[str, Any]:
    """The answer sizes, and the interleaved times of the direct calls and the tool (`interleaved`)."""
    from mcp import Client

    from nextcloud_mcp_server.auth.app_password import AppPasswordAccess
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.server import build_mcp_server

    settings = Settings(nextcloud_url=url, nextcloud_username=USER, nextcloud_password=PASSWORD, toolsets=["deck"],
                        log_level="WARNING")  # fmt: skip
    found: dict[str, Any] = {}
    async with (
        httpx.AsyncClient(base_url=url, auth=(USER, PASSWORD), headers=HEADERS) as http,
        Client(build_mcp_server(settings, AppPasswordAccess(settings))) as client,
    ):
        boards = (await http.get(f"{API}/boards")).json()
        board_id = next(b["id"] for b in boards if b["title"] == TITLE)
        found["raw_bytes"] = len((await http.get(f"{API}/boards/{board_id}/stacks")).content)
        full = await client.call_tool("deck_get_board_overview", {"board_id": board_id, "detail": "full"})
        found["full_bytes"] = len(full.content[0].text.encode())

        async def direct() -> None:
            whole = (await http.get(f"{API}/boards/{board_id}")).json()
            stacks = (await http.get(f"{API}/boards/{board_id}/stacks")).json()
            assert whole["id"] == board_id
            assert sum(len(s["cards"]) for s in stacks) == CARDS

        async def overview() -> Any:
            summary = await client.call_tool("deck_get_board_overview", {"board_id": board_id})
            if summary.is_error or (summary.structured_content or {}).get("cards_shown") != CARDS:
                raise RuntimeError(f"unexpected overview: {str(summary.content)[:300]}")
            return summary

        times, summary = await interleaved(client, runs, direct, overview)
        found.update(times, summary_bytes=len(summary.content[0].text.encode()))
    return found


def measure_deck(runs: int = RUNS) -> list[Row]:
    with (
        tempfile.TemporaryDirectory(prefix="nc-bench-deck-") as tmp,
        standin_process(Path(tmp), {USER: PASSWORD}, setup="bench.deck_bench:board") as nc,
    ):
        found = anyio.run(_measure, nc.url, runs)
    summary, full, raw = found["summary_bytes"], found["full_bytes"], found["raw_bytes"]
    tool, direct = statistics.median(found["tool"]), statistics.median(found["direct"])
    unchecked = statistics.median(found["unchecked"])
    return [
        Row(
            f"Deck overview of a {CARDS}-card board: `deck_get_board_overview` text, summary vs full",
            f"{summary / 1024:.1f} KiB vs {full / 1024:.1f} KiB ({full / summary:.1f}x)",
            "summary < 40 KB",
            verdict(summary < 40_000),
            f"Deck's own `GET .../stacks` answer is {raw / 1024:.1f} KiB; each card has a 600-character "
            "description, a label and an assignee; summary previews 80 characters",
        ),
        Row(
            f"Deck overview of a {CARDS}-card board: tool call vs the direct REST calls it makes",
            f"median {ms(tool)} vs {ms(direct)} ({tool / direct:.2f}x)",
            f"<= {RATIO:g}x",
            verdict(tool <= RATIO * direct),
            f"{runs} interleaved rounds after one warm-up, through the SDK's in-memory client, which validates each "
            "result against the tool's output schema (jsonschema, 200 cards); direct = GET board + GET stacks, "
            "JSON decoded; the tool's reads are conditional (If-None-Match, 304) after its first call",
        ),
        Row(
            f"Deck overview of a {CARDS}-card board: the same without the client's output validation",
            f"median {ms(unchecked)} vs {ms(direct)} ({unchecked / direct:.2f}x)",
            f"<= {RATIO:g}x",
            verdict(unchecked <= RATIO * direct),
            "what the server and the in-memory transport take: `validate_tool_result` of the SDK client "
            "replaced by a no-op",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.deck_bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args(argv)
    for row in measure_deck(args.runs):
        print(f"| {row.measure} | {row.figure} | {row.target} | {row.verdict} | {row.note} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
