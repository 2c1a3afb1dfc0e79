"""DAV XML: request bodies name the properties asked for; multistatus parsing keeps only
what Nextcloud found (200 propstats) and refuses hostile or foreign XML as BadResponse."""

from __future__ import annotations

import pytest
from defusedxml.ElementTree import fromstring

from nextcloud_mcp_server.nextcloud.dav import (
    CALDAV,
    DAV,
    NC,
    OC,
    element,
    parse_multistatus,
    propfind_body,
    qname,
    serialize,
)
from nextcloud_mcp_server.nextcloud.errors import BadResponse

FOLDER_LISTING = b"""<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:oc="http://owncloud.org/ns"
    xmlns:nc="http://nextcloud.org/ns">
  <d:response>
    <d:href>/remote.php/dav/files/alice/Documents/</d:href>
    <d:propstat>
      <d:prop>
        <d:resourcetype><d:collection/></d:resourcetype>
        <oc:fileid>101</oc:fileid>
        <d:getetag>&quot;6630d1f5a1b2c&quot;</d:getetag>
      </d:prop>
      <d:status>HTTP/1.1 200 OK</d:status>
    </d:propstat>
    <d:propstat>
      <d:prop><d:getcontentlength/><d:getcontenttype/></d:prop>
      <d:status>HTTP/1.1 404 Not Found</d:status>
    </d:propstat>
  </d:response>
  <d:response>
    <d:href>/remote.php/dav/files/alice/Documents/%C3%BCber%20uns.md</d:href>
    <d:propstat>
      <d:prop>
        <d:resourcetype/>
        <d:getcontentlength>1234</d:getcontentlength>
        <d:getcontenttype>text/markdown</d:getcontenttype>
        <oc:fileid>102</oc:fileid>
        <nc:has-preview>false</nc:has-preview>
      </d:prop>
      <d:status>HTTP/1.1 200 OK</d:status>
    </d:propstat>
    <d:propstat>
      <d:prop><oc:favorite/></d:prop>
      <d:status>HTTP/1.1 403 Forbidden</d:status>
    </d:propstat>
  </d:response>
  <d:response>
    <d:href>/remote.php/dav/files/alice/Documents/gone.txt</d:href>
    <d:status>HTTP/1.1 404 Not Found</d:status>
  </d:response>
</d:multistatus>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<d:multistatus xmlns:d="DAV:"><d:response><d:href>&lol4;</d:href></d:response></d:multistatus>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE d:multistatus [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<d:multistatus xmlns:d="DAV:"><d:response><d:href>&xxe;</d:href></d:response></d:multistatus>"""


def test_properties_of_a_200_propstat_are_kept_and_others_dropped() -> None:
    folder, file, gone = parse_multistatus(FOLDER_LISTING)
    assert folder.is_collection
    assert folder.text(OC, "fileid") == "101"
    assert folder.text(DAV, "getetag") == '"6630d1f5a1b2c"'
    assert not folder.has(DAV, "getcontentlength")
    assert not file.is_collection
    assert file.text(DAV, "getcontentlength") == "1234"
    assert file.text(NC, "has-preview") == "false"
    assert not file.has(OC, "favorite")
    assert file.text(OC, "favorite") is None
    assert gone.status == 404
    assert gone.props == {}


def test_hrefs_are_returned_as_sent_for_the_caller_to_decode() -> None:
    hrefs = [item.href for item in parse_multistatus(FOLDER_LISTING)]
    assert hrefs[1] == "/remote.php/dav/files/alice/Documents/%C3%BCber%20uns.md"


def test_a_response_without_href_is_skipped() -> None:
    body = (
        b'<d:multistatus xmlns:d="DAV:"><d:response><d:status>HTTP/1.1 200 OK</d:status></d:response></d:multistatus>'
    )
    assert parse_multistatus(body) == []


def test_an_empty_multistatus_has_no_responses() -> None:
    assert parse_multistatus(b'<d:multistatus xmlns:d="DAV:"/>') == []


@pytest.mark.parametrize("hostile", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_entity_declarations_are_refused_as_a_bad_response(hostile: bytes) -> None:
    with pytest.raises(BadResponse) as err:
        parse_multistatus(hostile)
    assert err.value.detail == "unreadable DAV XML: EntitiesForbidden"


def test_broken_xml_is_a_bad_response() -> None:
    with pytest.raises(BadResponse):
        parse_multistatus(b"<d:multistatus xmlns:d='DAV:'><d:response>")


def test_an_html_login_page_is_a_bad_response() -> None:
    with pytest.raises(BadResponse):
        parse_multistatus(b"<!DOCTYPE html><html><body>Login</body></html>")


def test_xml_that_is_not_a_multistatus_is_a_bad_response() -> None:
    with pytest.raises(BadResponse) as err:
        parse_multistatus(b'<d:error xmlns:d="DAV:"/>')
    assert "expected a DAV multistatus" in err.value.detail


def test_a_propfind_body_asks_for_each_property_in_its_namespace() -> None:
    body = propfind_body([(DAV, "getetag"), (OC, "fileid"), (NC, "has-preview"), (CALDAV, "calendar-data")])
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = fromstring(body)
    assert root.tag == qname(DAV, "propfind")
    prop = root.find(qname(DAV, "prop"))
    assert prop is not None
    assert [child.tag for child in prop] == [
        qname(DAV, "getetag"),
        qname(OC, "fileid"),
        qname(NC, "has-preview"),
        qname(CALDAV, "calendar-data"),
    ]


def test_serialized_xml_uses_the_prefixes_dav_servers_expect() -> None:
    root = element(DAV, "propfind")
    element(OC, "fileid", element(DAV, "prop", root))
    text = serialize(root).decode()
    assert "<d:propfind" in text
    assert 'xmlns:oc="http://owncloud.org/ns"' in text


def test_text_of_serialized_elements_is_escaped() -> None:
    root = element(DAV, "searchrequest")
    element(DAV, "literal", root, text="<&> ü")
    body = serialize(root)
    literal = fromstring(body).find(qname(DAV, "literal"))
    assert literal is not None
    assert literal.text == "<&> ü"
