"""Output encoding (ASVS 1.1, 1.2, 1.3.7, 1.3.10, 3.2.2): what users type comes out as text.

One string that breaks out of an element, a textarea, a title and a quoted attribute, carries
a Django template tag and both kinds of format placeholder, is typed into every free-text field
(entry title, summary and notes; subject name, aliases and contact; incident place and
description; engagement description; consent limits; action reply and notes; evidence
description; a citation; the search boxes; an imported report's candidate). Every page, export
and draft that shows it must show it back exactly, as text: no element or event attribute
appears in the parsed page, the template tag is not evaluated and the placeholders are not
filled (a template or format string built from input would change them).
"""

from __future__ import annotations

import csv
import datetime
import email
import io
import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 - parses our own SVG output, not input
from email import policy
from pathlib import Path

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from amparo.analytics import charts
from amparo.cases import services
from amparo.sgreports.models import BatchState, Candidate, ImportBatch, Report
from conftest import signed_in

pytestmark = pytest.mark.django_db

MARK = "ZQXENCODEMARK"
PAYLOAD = (
    "</textarea></title><amparo-xss data-x=1>\"'><img src=x onerror=amparo_xss()> "
    "{{ 7|add:1 }} {% now 'Y' %} %(name)s %s {0} " + MARK
)
PACKAGE = Path(__file__).resolve().parents[2]


def assert_inert(html: str, where: str, *, exact: bool = True, shown: bool = True) -> None:
    """Nothing of the payload became markup; with ``exact``, it reads back unchanged as text."""
    doc = lxml.html.document_fromstring(html)
    assert not list(doc.iter("amparo-xss")), f"{where}: the payload became an element"
    assert not doc.xpath("//img[@onerror]|//*[@data-x]"), f"{where}: the payload became markup"
    text = doc.text_content() + "\n".join(doc.xpath("//@*"))
    assert MARK in text or not shown, f"{where}: the payload is not on the page at all"
    if exact:
        assert PAYLOAD in text, f"{where}: the payload was changed on its way to the page"


@pytest.fixture
def typed(publish, documenter):
    """A public named entry whose every free-text field holds the payload."""
    entry = publish(title=PAYLOAD, summary=PAYLOAD, notes=PAYLOAD)
    subject = services.add_subject(
        documenter,
        entry,
        {"kind": "individual", "name": PAYLOAD, "aliases": [PAYLOAD], "contact": PAYLOAD},
    )
    incident = services.add_incident(
        documenter,
        entry,
        {
            "date": datetime.date(2021, 3, 1),
            "place": PAYLOAD,
            "reprisal_types": ["detention"],
            "perpetrators": ["state"],
            "description": PAYLOAD,
        },
    )
    engagement = services.add_engagement(documenter, entry, {"body": "hrc", "description": PAYLOAD})
    consent = services.record_consent(
        documenter,
        entry,
        {
            "purpose": "share_within_un",
            "given_by": "person",
            "method": "written",
            "given_on": datetime.date(2024, 1, 5),
            "limits": PAYLOAD,
        },
    )
    action = services.add_action(
        documenter,
        entry,
        {
            "avenue": "senior_official",
            "taken_on": datetime.date(2021, 4, 1),
            "reply": PAYLOAD,
            "notes": PAYLOAD,
        },
    )
    evidence = services.add_evidence(
        documenter, entry, SimpleUploadedFile("note.txt", b"a statement"), description=PAYLOAD
    )
    return {
        "entry": entry,
        "subjects": subject,
        "incidents": incident,
        "engagements": engagement,
        "consents": consent,
        "actions": action,
        "evidence": evidence,
    }


def test_staff_pages_show_every_typed_field_as_text(typed, documenter):
    client = signed_in(documenter)
    entry = typed["entry"]
    pages = {
        "list": reverse("cases:list"),
        "search": reverse("cases:list") + "?" + _query(q=PAYLOAD),
        "detail": reverse("cases:detail", kwargs={"uuid": entry.uuid}),
        "edit": reverse("cases:edit", kwargs={"uuid": entry.uuid}),
    }
    for kind in ("subjects", "incidents", "engagements", "consents", "actions", "evidence"):
        pages[f"edit {kind}"] = reverse(
            "cases:record_edit", kwargs={"uuid": entry.uuid, "kind": kind, "pk": typed[kind].pk}
        )
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert_inert(response.content.decode(), name, exact=name != "list")
    detail = client.get(pages["detail"]).content.decode()
    # Every confidential field is on the detail page, each shown back exactly.
    assert lxml.html.document_fromstring(detail).text_content().count(PAYLOAD) >= 10


def test_a_refused_value_is_echoed_as_text_in_its_error(typed, documenter):
    client = signed_in(documenter)
    url = reverse("cases:record_new", kwargs={"uuid": typed["entry"].uuid, "kind": "citations"})
    response = client.post(url, {"citation": PAYLOAD[:120].replace(MARK, "")[:100] + MARK})
    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert "is not a citation" in html
    doc = lxml.html.document_fromstring(html)
    assert not list(doc.iter("amparo-xss")) and not doc.xpath("//img[@onerror]")
    assert "{{ 7|add:1 }}" in doc.text_content() and "%(name)s" in doc.text_content()


def test_public_pages_and_exports_carry_the_text_exactly(typed, client):
    entry = typed["entry"]
    for name, url in {
        "portal": reverse("portal:home"),
        "portal search": reverse("portal:home") + "?" + _query(q=PAYLOAD),
        "portal entry": reverse("portal:entry", args=[entry.ref]),
        "charts": reverse("analytics:charts") + "?" + _query(q=PAYLOAD, country=PAYLOAD),
        "report": reverse("analytics:report") + "?" + _query(q=PAYLOAD, country=PAYLOAD),
    }.items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert_inert(response.content.decode(), name, exact=name in ("portal", "portal entry"))

    api = client.get(reverse("api:entry", args=[entry.ref]))
    assert api["Content-Type"].startswith("application/json")
    assert json.loads(api.content)["title"] == PAYLOAD
    listed = json.loads(client.get(reverse("api:entries")).content)
    assert [r["title"] for r in listed["results"]] == [PAYLOAD]

    rows = list(csv.DictReader(io.StringIO(_body(client.get(reverse("portal:export_csv"))))))
    assert [r["title"] for r in rows] == [PAYLOAD] and rows[0]["summary"] == PAYLOAD
    lines = _body(client.get(reverse("portal:export_jsonl"))).splitlines()
    assert [json.loads(line)["title"] for line in lines if line.strip()] == [PAYLOAD]


def test_the_pdf_report_prints_the_search_as_text(typed, client):
    pypdf = pytest.importorskip("pypdf")
    pytest.importorskip("weasyprint")
    query = _query(q=f"<amparo-xss>{MARK}</amparo-xss>")
    response = client.get(reverse("analytics:report_pdf") + "?" + query)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    # Escaped, the tags are printed as characters; as markup they would vanish from the text.
    assert re.search(r"<amparo-xss>\s*" + MARK, text), text[:500]


def test_svg_charts_escape_every_label():
    chart = charts.bar_chart("c", PAYLOAD, [(PAYLOAD, 3), ("other", 1)], total=4)
    root = ET.fromstring(str(chart.svg))  # noqa: S314 - our own output
    tags = {el.tag.rsplit("}", 1)[-1] for el in root.iter()}
    assert tags <= {"svg", "title", "desc", "g", "rect", "text", "line"}, tags
    assert PAYLOAD in "".join(root.itertext())
    years = charts.years_chart("y", PAYLOAD, {"2021": {"named": 2}}, [("named", PAYLOAD)])
    root = ET.fromstring(str(years.svg))  # noqa: S314 - our own output
    assert "amparo-xss" not in {el.tag.rsplit("}", 1)[-1] for el in root.iter()}
    assert PAYLOAD in "".join(root.itertext())


def test_drafts_carry_names_in_the_body_and_never_as_headers(typed, documenter):
    entry = typed["entry"]
    services.update_subject(
        documenter,
        typed["subjects"],
        {"kind": "individual", "name": f"Ana\r\nBcc: spy@example.org\r\n\r\n{PAYLOAD}"},
    )
    client = signed_in(documenter)
    url = reverse("referrals:entry_draft", kwargs={"uuid": entry.uuid})
    page = client.get(url, {"avenue": "senior_official"})
    assert page.status_code == 200
    assert_inert(page.content.decode(), "staff draft", exact=False)
    eml = client.post(url, {"avenue": "senior_official", "language": "en", "format": "eml"})
    assert eml["Content-Type"] == "message/rfc822"
    message = email.message_from_bytes(eml.content, policy=policy.default)
    assert message["Bcc"] is None and not message.defects
    assert set(message.keys()) <= {
        "To",
        "Cc",
        "Subject",
        "X-Unsent",
        "Content-Language",
        "Content-Type",
        "Content-Transfer-Encoding",
        "MIME-Version",
    }, message.keys()
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert "Bcc: spy@example.org" in message.get_content()  # in the body, as the text typed
    assert PAYLOAD in message.get_content()
    text = client.post(url, {"avenue": "senior_official", "language": "en", "format": "txt"})
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert PAYLOAD in _body(text)
    assert text["Content-Disposition"] == 'attachment; filename="amparo-senior_official-en.txt"'


def test_an_imported_candidate_is_shown_as_text(documenter):
    report = Report.objects.create(symbol="A/HRC/99/10", year=2024, layout_era="annexes")
    batch = ImportBatch.objects.create(report=report, text=PAYLOAD, state=BatchState.DONE)
    candidate = Candidate.objects.create(
        batch=batch,
        annex="I",
        paragraph=1,
        country="COL",
        kind="named",
        text=PAYLOAD,
        proposed={"kind_words": [PAYLOAD], "citations": [PAYLOAD]},
    )
    client = signed_in(documenter)
    for url in (
        reverse("sgreports:candidate", kwargs={"pk": candidate.pk}),
        reverse("sgreports:batch", kwargs={"pk": batch.pk}),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        on_candidate = "candidates" in url
        assert_inert(response.content.decode(), url, exact=on_candidate, shown=on_candidate)


def test_no_template_or_unescaped_output_is_built_from_input():
    """Templates are files (1.3.7); the only unescaped outputs are reviewed ones (1.2.1)."""
    code = [p for p in PACKAGE.rglob("*.py") if "tests" not in p.parts]
    compiled = [
        str(p.relative_to(PACKAGE))
        for p in code
        if re.search(r"\bTemplate\(|from_string\(|engines\[", p.read_text(encoding="utf-8"))
    ]
    assert compiled == []
    safe = sorted(
        f"{p.relative_to(PACKAGE)}:{line.strip()[:60]}"
        for p in (PACKAGE / "templates").rglob("*.html")
        for line in p.read_text(encoding="utf-8").splitlines()
        if re.search(r"\|\s*safe\b|autoescape\s+off|safeseq", line)
    )
    # The QR code is our own SVG from `segno`; the report's CSS is our own static file.
    assert [s.split(":", 1)[0] for s in safe] == [
        "templates/accounts/two_factor.html",
        "templates/analytics/report_document.html",
    ], safe
    marked = sorted(
        str(p.relative_to(PACKAGE))
        for p in code
        if re.search(r"mark_safe\(|SafeString\(|format_html\(", p.read_text(encoding="utf-8"))
    )
    # The charts' SVG, and the facet values (ADR 0020), whose escaping
    # cases/tests/test_listing.py compares with the template's on generated labels and links.
    assert marked == ["analytics/charts.py", "cases/listing.py"], marked


def test_our_scripts_never_insert_markup():
    """3.2.2: the same-origin scripts move the page, they never build HTML from text."""
    scripts = [p for p in (PACKAGE / "static").rglob("*.js") if "vendor" not in p.parts]
    assert scripts, "no script found: is the static folder still there?"
    sinks = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|Function\(")
    found = [str(p) for p in scripts if sinks.search(p.read_text(encoding="utf-8"))]
    assert found == []


def _query(**params: str) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


def _body(response) -> str:  # type: ignore[no-untyped-def]
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")
