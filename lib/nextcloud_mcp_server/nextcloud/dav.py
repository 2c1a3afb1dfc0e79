"""DAV XML shared by WebDAV, CalDAV and CardDAV: request bodies and multistatus parsing.

Why: the three DAV modules speak the same envelope (RFC 4918 multistatus); parsing it
once, with defusedxml (no entity expansion, no external entities), keeps them small.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml.ElementTree import fromstring

from nextcloud_mcp_server.nextcloud.errors import BadResponse

DAV = "DAV:"
OC = "http://owncloud.org/ns"
NC = "http://nextcloud.org/ns"
CALDAV = "urn:ietf:params:xml:ns:caldav"
CARDDAV = "urn:ietf:params:xml:ns:carddav"
CALSERVER = "http://calendarserver.org/ns/"
APPLE = "http://apple.com/ns/ical/"
SABRE = "http://sabredav.org/ns"

PREFIXES = {DAV: "d", OC: "oc", NC: "nc", CALDAV: "cal", CARDDAV: "card", CALSERVER: "cs", APPLE: "x1"}


def qname(namespace: str, local: str) -> str:
    """ElementTree's `{namespace}local` form."""
    return f"{{{namespace}}}{local}"


def element(namespace: str, local: str, parent: Element | None = None, text: str | None = None) -> Element:
    """Create an element (as a child of `parent` when given)."""
    el = Element(qname(namespace, local)) if parent is None else SubElement(parent, qname(namespace, local))
    if text is not None:
        el.text = text
    return el


def serialize(root: Element) -> bytes:
    """UTF-8 XML with readable prefixes for the namespaces DAV servers expect."""
    for uri, prefix in PREFIXES.items():
        _register(prefix, uri)
    body: bytes = tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


def _register(prefix: str, uri: str) -> None:
    from xml.etree.ElementTree import register_namespace

    register_namespace(prefix, uri)


def propfind_body(props: list[tuple[str, str]]) -> bytes:
    """A PROPFIND body asking for the given (namespace, local) properties."""
    root = element(DAV, "propfind")
    prop = element(DAV, "prop", root)
    for namespace, local in props:
        element(namespace, local, prop)
    return serialize(root)


@dataclass
class DavResponse:
    """One <d:response>: the href and the properties found with status 200."""

    href: str
    props: dict[str, Element] = field(default_factory=dict)
    status: int = 200

    def text(self, namespace: str, local: str) -> str | None:
        el = self.props.get(qname(namespace, local))
        if el is None:
            return None
        return (el.text or "").strip()

    def has(self, namespace: str, local: str) -> bool:
        return qname(namespace, local) in self.props

    def child_names(self, namespace: str, local: str) -> set[str]:
        """Qualified names of the children of a property (e.g. resourcetype)."""
        el = self.props.get(qname(namespace, local))
        return set() if el is None else {child.tag for child in el}

    @property
    def is_collection(self) -> bool:
        return qname(DAV, "collection") in self.child_names(DAV, "resourcetype")


def parse_multistatus(body: bytes) -> list[DavResponse]:
    """Parse a 207 body; properties with a non-200 propstat are left out."""
    try:
        root = fromstring(body)
    except Exception as exc:  # defusedxml raises several types for hostile or broken XML
        raise BadResponse(f"unreadable DAV XML: {type(exc).__name__}") from None
    if root.tag != qname(DAV, "multistatus"):
        raise BadResponse(f"expected a DAV multistatus, got {root.tag}")
    results: list[DavResponse] = []
    for resp in root.findall(qname(DAV, "response")):
        href_el = resp.find(qname(DAV, "href"))
        if href_el is None or not href_el.text:
            continue
        item = DavResponse(href=href_el.text.strip())
        status_el = resp.find(qname(DAV, "status"))
        if status_el is not None and status_el.text:
            item.status = _status_code(status_el.text)
        for propstat in resp.findall(qname(DAV, "propstat")):
            ps_status = propstat.find(qname(DAV, "status"))
            if ps_status is not None and ps_status.text and _status_code(ps_status.text) != 200:
                continue
            prop = propstat.find(qname(DAV, "prop"))
            if prop is None:
                continue
            for child in prop:
                item.props[child.tag] = child
        results.append(item)
    return results


def _status_code(status_line: str) -> int:
    parts = status_line.split()
    try:
        return int(parts[1])
    except (IndexError, ValueError):
        return 0
