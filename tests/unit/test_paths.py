"""No user path can produce a URL outside the user's files root."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nextcloud_mcp_server.nextcloud.paths import UnsafePath, join_url, normalize, relative_to_root

ROOT = "/remote.php/dav/files/alice/"

segments = st.sampled_from(
    ["..", ".", "", "%2e%2e", "%2E%2e", "..%2f", "%2f", "a", "é", "日本", "🎉", " ", "#", "?", "%"]
)
paths = st.lists(st.one_of(segments, st.text(min_size=0, max_size=8)), max_size=8).map("/".join)


def _resolved(url: str) -> str:
    """The path a server sees after decoding and resolving dot segments."""
    out: list[str] = []
    for segment in urlsplit("http://h" + url).path.split("/"):
        name = unquote(segment)
        if name == "..":
            if out:
                out.pop()
        elif name not in (".", ""):
            out.append(name)
    return "/".join(out) + "/"


@given(paths)
def test_any_user_path_stays_inside_the_user_root(path: str) -> None:
    try:
        url = join_url(ROOT, path)
    except UnsafePath:
        return
    assert url.startswith(ROOT)
    assert _resolved(url).startswith(_resolved(ROOT))
    assert "?" not in url
    assert "#" not in url
    for segment in url[len(ROOT) :].split("/"):
        assert unquote(segment) not in ("..", ".")


@given(paths)
def test_a_built_url_maps_back_to_the_same_normalized_path(path: str) -> None:
    try:
        expected = normalize(path)
    except UnsafePath:
        return
    assert relative_to_root(join_url(ROOT, path), ROOT) == expected


@pytest.mark.parametrize("bad", ["../x", "a/../../b", "a\\b", "a\x00b", "   "])
def test_escaping_or_malformed_paths_are_refused(bad: str) -> None:
    with pytest.raises(UnsafePath):
        join_url(ROOT, bad, allow_root=False)


def test_hrefs_of_another_user_are_not_mapped_into_this_tree() -> None:
    assert relative_to_root("/remote.php/dav/files/alice2/x", ROOT) is None
    assert relative_to_root("/remote.php/dav/files/alice/a/../../bob/x", ROOT) is None
