"""vCard building, reading and merging: what a contact update must keep, and how text is encoded."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nextcloud_mcp_server.nextcloud import vcard, vcard_syntax
from nextcloud_mcp_server.nextcloud.vcard import ContactInput, TypedValue

PHOTO_V3 = (
    "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0a"
    "HBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIyMjIyMjIy"
)
EXISTING_V3 = "\r\n".join(
    [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "PRODID:-//Sabre//Sabre VObject 4.5.4//EN",
        "UID:3b2f0f7c-1b5a-4c4e-9c0e-6d1e0b7d8a11",
        "FN:Ann Lee",
        "N:Lee;Ann;;;",
        "EMAIL;TYPE=INTERNET,HOME:ann@home.example",
        "item1.EMAIL;TYPE=INTERNET:ann@work.example",
        "item1.X-ABLabel:_$!<Work>!$_",
        vcard_syntax.fold(PHOTO_V3),
        "X-SOCIALPROFILE;TYPE=mastodon:https://m.example/@ann",
        "X-MANAGER:Bob",
        "ADR;TYPE=HOME:;;Main St 1;Berlin;;10115;Germany",
        "END:VCARD",
        "",
    ]
)
V4 = "\r\n".join(
    [
        "BEGIN:VCARD",
        "VERSION:4.0",
        "UID:urn:uuid:8f3c1d8e-3c55-4b8e-a0a7-111111111111",
        "FN:Jörg Müller",
        "N:Müller;Jörg;;;",
        'TEL;VALUE=uri;TYPE="voice,cell";PREF=1:tel:+49-30-1234567',
        "EMAIL;TYPE=work:joerg@example.de",
        "PHOTO:data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ",
        "BDAY:--0423",
        "END:VCARD",
        "",
    ]
)


def test_a_merge_keeps_the_photo_and_x_properties_byte_for_byte() -> None:
    merged = vcard.merge(EXISTING_V3, ContactInput(title="CTO"))
    unfolded = merged.replace("\r\n ", "")
    assert PHOTO_V3 in unfolded
    assert "X-SOCIALPROFILE;TYPE=mastodon:https://m.example/@ann\r\n" in merged
    assert "X-MANAGER:Bob\r\n" in merged
    assert "TITLE:CTO\r\n" in merged


def test_a_merge_keeps_every_property_the_caller_did_not_mention() -> None:
    merged = vcard.merge(EXISTING_V3, ContactInput(note="met in Berlin"))
    before = {line for line in vcard_syntax.unfold(EXISTING_V3) if not line.startswith("REV")}
    after = set(vcard_syntax.unfold(merged))
    assert before - after == set()
    assert "NOTE:met in Berlin" in after


def test_replacing_emails_drops_the_old_ones_and_their_grouped_labels() -> None:
    merged = vcard.merge(EXISTING_V3, ContactInput(emails=[TypedValue("new@example.org", ["work"], True)]))
    assert "ann@home.example" not in merged
    assert "ann@work.example" not in merged
    assert "X-ABLabel" not in merged
    assert "EMAIL;TYPE=INTERNET,WORK,PREF:new@example.org" in merged
    assert merged.index("EMAIL") < merged.index("PHOTO")  # takes the place of the old lines


def test_an_empty_value_removes_the_property() -> None:
    merged = vcard.merge(EXISTING_V3, ContactInput(emails=[]))
    assert "EMAIL" not in merged


def test_new_name_parts_update_n_and_fn_together() -> None:
    summary = vcard.summarize(vcard.merge(EXISTING_V3, ContactInput(family_name="Lee-Park")))
    assert (summary.fn, summary.given_name, summary.family_name) == ("Ann Lee-Park", "Ann", "Lee-Park")


def test_a_new_fn_alone_keeps_the_structured_name() -> None:
    summary = vcard.summarize(vcard.merge(EXISTING_V3, ContactInput(fn="Dr. Ann Lee")))
    assert (summary.fn, summary.family_name) == ("Dr. Ann Lee", "Lee")


def test_unicode_names_round_trip_through_build_and_summarize() -> None:
    text = vcard.build(ContactInput(fn="Zoë Ñandú 李小龍 🙂", emails=[TypedValue("zoe@example.org")]))
    summary = vcard.summarize(text)
    assert summary.fn == "Zoë Ñandú 李小龍 🙂"
    assert summary.family_name == "🙂"
    assert summary.given_name == "Zoë Ñandú 李小龍"


def test_a_built_card_is_vcard_3_with_a_uuid4_uid_and_the_fields() -> None:
    text = vcard.build(
        ContactInput(
            given_name="Ann",
            family_name="Lee",
            phones=[TypedValue("+1 555 0100", ["cell"])],
            org=["Acme", "R&D"],
            categories=["Friends", "Work"],
            bday="1990-04-23",
        )
    )
    card = vcard_syntax.parse(text)
    assert card.version == "3.0"
    assert uuid.UUID(card.text("UID") or "").version == 4
    assert card.text("FN") == "Ann Lee"
    assert "TEL;TYPE=CELL:+1 555 0100" in text
    assert "ORG:Acme;R&D" in text
    assert "CATEGORIES:Friends,Work" in text
    assert text.startswith("BEGIN:VCARD\r\n")
    assert text.endswith("END:VCARD\r\n")


def test_a_contact_with_nothing_to_name_it_cannot_be_built() -> None:
    with pytest.raises(vcard.VCardError):
        vcard.build(ContactInput(note="just a note"))


def test_a_vcard_4_is_read_with_its_uri_phones_preference_and_photo() -> None:
    summary = vcard.summarize(V4)
    assert summary.version == "4.0"
    assert summary.fn == "Jörg Müller"
    assert summary.phones == [TypedValue("+49-30-1234567", ["voice", "cell"], True)]
    assert summary.emails == [TypedValue("joerg@example.de", ["work"], False)]
    assert summary.has_photo
    assert summary.bday == "--0423"


def test_a_vcard_4_merge_keeps_the_data_uri_photo_and_writes_4_0_parameters() -> None:
    merged = vcard.merge(V4, ContactInput(emails=[TypedValue("j@example.de", ["home"], True)]))
    assert "PHOTO:data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ" in merged.replace("\r\n ", "")
    assert "EMAIL;TYPE=home;PREF=1:j@example.de" in merged
    assert "VERSION:4.0" in merged


def test_summaries_read_addresses_labels_and_custom_fields() -> None:
    summary = vcard.summarize(EXISTING_V3)
    assert summary.emails[0] == TypedValue("ann@home.example", ["home"], False)
    assert summary.addresses[0].street == "Main St 1"
    assert summary.addresses[0].country == "Germany"
    assert summary.extra["X-MANAGER"] == ["Bob"]


def test_text_with_newlines_commas_and_semicolons_is_escaped_and_read_back() -> None:
    note = "line one\nline two, with comma; and semicolon \\ backslash"
    text = vcard.build(ContactInput(fn="Esc", note=note))
    assert "NOTE:line one\\nline two\\, with comma\\; and semicolon \\\\ backslash" in text.replace("\r\n ", "")
    assert vcard.summarize(text).note == note


def test_long_lines_are_folded_at_75_octets_without_splitting_characters() -> None:
    text = vcard.build(ContactInput(fn="ü" * 100))
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    assert vcard.summarize(text).fn == "ü" * 100


def test_text_that_is_not_a_vcard_is_refused() -> None:
    with pytest.raises(vcard.VCardError):
        vcard_syntax.parse("hello")
    with pytest.raises(vcard.VCardError):
        vcard_syntax.parse("BEGIN:VCARD\r\nFN:x\r\n")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200))
def test_any_note_survives_a_build_and_read(note: str) -> None:
    text = vcard.build(ContactInput(fn="N", note=note))
    assert vcard.summarize(text).note == note.replace("\r\n", "\n").replace("\r", "\n")
