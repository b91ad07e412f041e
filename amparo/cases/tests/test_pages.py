"""The register's staff pages, driven by plain form posts as a browser without JavaScript would."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from amparo.accounts.models import AuditEvent
from amparo.cases import services
from amparo.cases.models import Citation, Consent, Entry, Subject

pytestmark = pytest.mark.django_db

ENTRY_FORM = {
    "kind": "named",
    "title": "Trade unionist summoned after UPR",
    "summary": "Summoned twice after a UPR pre-session.",
    "country": "EGY",
    "year": "2023",
    "status": "open",
    "subject_kind": "individual",
    "gender": "female",
    "body": ["upr", "ohchr"],
    "reprisal_type": ["threats_intimidation", "surveillance"],
    "theme": ["economic_social"],
    "notes": "Met her in person; prefers Signal.",
}


def detail_url(entry: Entry) -> str:
    return reverse("cases:detail", kwargs={"uuid": entry.uuid})


def record_url(entry: Entry, kind: str, action: str = "new", pk: object = None) -> str:
    kwargs = {"uuid": entry.uuid, "kind": kind}
    if pk is not None:
        kwargs["pk"] = pk
    return reverse(f"cases:record_{action}", kwargs=kwargs)


def test_a_documenter_creates_an_entry_with_a_plain_form_post(documenter_client):
    page = documenter_client.get(reverse("cases:create"))
    assert page.status_code == 200
    assert b'name="published"' not in page.content  # publication is for coordinators
    response = documenter_client.post(reverse("cases:create"), ENTRY_FORM)
    entry = Entry.objects.get()
    assert response.status_code == 302 and response.url == detail_url(entry)
    assert entry.region == "mena" and entry.year == 2023
    assert sorted(entry.terms_of("body")) == ["ohchr", "upr"]
    assert entry.notes == "Met her in person; prefers Signal."
    assert not entry.published
    event = AuditEvent.objects.get(action="entry.create")
    assert "notes" in event.fields and "Signal" not in str(event.fields) + str(event.detail)


def test_an_invalid_form_shows_a_summary_with_links_and_saves_nothing(documenter_client):
    bad = ENTRY_FORM | {"title": "", "country": "XXX", "year": "1800", "body": ["upr", "nowhere"]}
    response = documenter_client.post(reverse("cases:create"), bad)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html
    for field in ("title", "country", "year", "body"):
        assert f'href="#field-{field}"' in html
        assert f'id="field-{field}"' in html
    assert "Public summary" in html  # the form comes back filled in
    assert Entry.objects.count() == 0
    assert not AuditEvent.objects.filter(action="entry.create").exists()


def test_a_documenter_cannot_publish_even_by_posting_the_field(documenter_client):
    documenter_client.post(reverse("cases:create"), ENTRY_FORM | {"published": "on"})
    assert Entry.objects.get().published is False


def test_publishing_without_consent_is_allowed_but_warned_until_consent_is_recorded(
    coordinator_client,
):
    response = coordinator_client.post(
        reverse("cases:create"), ENTRY_FORM | {"published": "on"}, follow=True
    )
    entry = Entry.objects.get()
    assert entry.published and not entry.is_public
    html = response.content.decode()
    assert "stays off the public portal" in html
    response = coordinator_client.post(
        record_url(entry, "consents"),
        {
            "purpose": "publish_in_portal",
            "given_by": "person",
            "method": "written",
            "given_on": "2024-01-10",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert entry.is_public
    assert "stays off the public portal" not in response.content.decode()


def test_a_general_situation_needs_no_consent_to_be_public(coordinator_client):
    coordinator_client.post(
        reverse("cases:create"),
        ENTRY_FORM | {"kind": "general_situation", "published": "on", "subject_kind": ""},
    )
    assert Entry.objects.get().is_public


def test_consent_is_recorded_and_withdrawn_with_a_note(documenter_client, make_entry):
    entry = make_entry()
    documenter_client.post(
        record_url(entry, "consents"),
        {
            "purpose": "share_within_un",
            "given_by": "family_member",
            "method": "phone_or_video",
            "given_on": "2024-02-01",
            "limits": "Initials only",
        },
    )
    consent = Consent.objects.get()
    assert consent.limits == "Initials only" and consent.active
    url = reverse("cases:consent_withdraw", kwargs={"uuid": entry.uuid, "pk": consent.pk})
    page = documenter_client.get(url)
    assert page.status_code == 200 and b'type="date"' in page.content
    bad = documenter_client.post(url, {"withdrawn_on": "2024-01-01", "note": "x"})
    assert bad.status_code == 400 and b"error-summary" in bad.content
    documenter_client.post(url, {"withdrawn_on": "2024-03-01", "note": "Withdrawn by phone"})
    consent.refresh_from_db()
    assert consent.withdrawn_on == datetime.date(2024, 3, 1)
    assert consent.withdrawal_note == "Withdrawn by phone"
    page = documenter_client.get(detail_url(entry)).content.decode()
    assert "Withdrawn on 2024-03-01" in page
    assert "Consent withdrawn" in page  # on the timeline


def test_a_viewer_sees_no_confidential_detail_and_leaves_no_view_event(
    viewer_client, make_entry, documenter
):
    entry = make_entry(notes="Safe house on Pearl Street")
    services.add_subject(documenter, entry, {"kind": "individual", "name": "Mariam Saleh"})
    response = viewer_client.get(detail_url(entry))
    html = response.content.decode()
    assert response.status_code == 200
    assert entry.title in html
    assert "Mariam" not in html and "Pearl Street" not in html
    assert "shown only to staff" in html
    assert not AuditEvent.objects.filter(action="entry.view_confidential").exists()


def test_a_documenter_sees_the_confidential_section_and_the_view_is_audited(
    documenter_client, make_entry, documenter
):
    entry = make_entry(notes="Safe house on Pearl Street")
    services.add_subject(
        documenter, entry, {"kind": "individual", "name": "Mariam Saleh", "contact": "+000 1"}
    )
    html = documenter_client.get(detail_url(entry)).content.decode()
    assert "Mariam Saleh" in html and "Pearl Street" in html
    event = AuditEvent.objects.get(action="entry.view_confidential")
    assert event.object_id == str(entry.pk)
    assert {"entry.notes", "subject.name", "subject.contact"} <= set(event.fields)
    assert "Mariam" not in str(event.fields) + str(event.detail)


def test_a_restricted_entry_is_hidden_from_staff_it_does_not_name(
    coordinator, coordinator_client, outsider_client, documenter, documenter_client
):
    response = coordinator_client.post(
        reverse("cases:create"),
        ENTRY_FORM | {"restricted": "on", "allowed_users": [documenter.pk]},
    )
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert set(entry.allowed_users.all()) == {coordinator, documenter}
    assert outsider_client.get(detail_url(entry)).status_code == 404
    assert (
        outsider_client.get(reverse("cases:edit", kwargs={"uuid": entry.uuid})).status_code == 404
    )
    assert entry.ref not in outsider_client.get(reverse("cases:list")).content.decode()
    listed = documenter_client.get(reverse("cases:list")).content.decode()
    assert entry.ref in listed and "restricted" in listed
    assert documenter_client.get(detail_url(entry)).status_code == 200
    # The outsider's two attempts are audited (ASVS 16.3.2); the named documenter's visit is not.
    denied = AuditEvent.objects.filter(action="access.denied", object_id=str(entry.pk))
    assert denied.count() == 2 and {e.detail["reason"] for e in denied} == {"restricted"}


def test_an_unknown_entry_is_404_without_an_access_event(outsider_client):
    url = reverse("cases:detail", kwargs={"uuid": "00000000-0000-4000-8000-000000000000"})
    assert outsider_client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="access.denied").exists()


def test_a_viewer_gets_403_on_every_write_page(viewer_client, make_entry):
    entry = make_entry()
    assert viewer_client.get(reverse("cases:create")).status_code == 403
    assert viewer_client.get(reverse("cases:edit", kwargs={"uuid": entry.uuid})).status_code == 403
    for kind in ("subjects", "incidents", "consents", "evidence", "citations", "actions"):
        assert viewer_client.get(record_url(entry, kind)).status_code == 403
    response = viewer_client.post(record_url(entry, "citations"), {"citation": "A/HRC/57/60"})
    assert response.status_code == 403
    assert not Citation.objects.exists()
    denied = AuditEvent.objects.filter(action="access.denied")
    assert denied.count() == 9 and denied.first().detail["reason"] == "forbidden"
    assert {e.detail["method"] for e in denied} == {"GET", "POST"}


def test_an_unknown_record_kind_or_id_is_404(documenter_client, make_entry):
    entry = make_entry()
    assert documenter_client.get(record_url(entry, "secrets")).status_code == 404
    assert documenter_client.get(record_url(entry, "subjects", "edit", "nope")).status_code == 404


def test_a_bad_citation_gets_a_clear_error(documenter_client, make_entry):
    entry = make_entry()
    response = documenter_client.post(
        record_url(entry, "citations"), {"citation": "the 2023 report"}
    )
    assert response.status_code == 400
    assert "is not a citation" in response.content.decode()
    assert not Citation.objects.exists()
    documenter_client.post(
        record_url(entry, "citations"), {"citation": "A/HRC/54/61 annex I para 7"}
    )
    assert str(Citation.objects.get()) == "A/HRC/54/61 annex I para 7"


def test_subjects_are_added_edited_and_deleted_after_confirmation(documenter_client, make_entry):
    entry = make_entry()
    documenter_client.post(
        record_url(entry, "subjects"),
        {
            "kind": "individual",
            "gender": "female",
            "name": "Leila Noor",
            "aliases": "L. Noor\n\nLaila Nour",
        },
    )
    subject = Subject.objects.get()
    assert subject.aliases == ["L. Noor", "Laila Nour"]
    listed = documenter_client.get(reverse("cases:list"), {"q": "laila nour"}).content.decode()
    assert entry.ref in listed
    edit = documenter_client.get(record_url(entry, "subjects", "edit", subject.pk))
    assert "Leila Noor" in edit.content.decode()
    assert AuditEvent.objects.filter(action="entry.view_confidential").exists()
    confirm = documenter_client.get(record_url(entry, "subjects", "delete", subject.pk))
    assert confirm.status_code == 200 and Subject.objects.exists()
    documenter_client.post(record_url(entry, "subjects", "delete", subject.pk))
    assert not Subject.objects.exists()


def test_engagements_incidents_and_actions_appear_on_the_timeline_in_date_order(
    documenter_client, make_entry
):
    entry = make_entry()
    documenter_client.post(
        record_url(entry, "engagements"),
        {"body": "special_procedures", "contact_point": "remote_information", "date": "2022-03-01"},
    )
    documenter_client.post(
        record_url(entry, "incidents"),
        {
            "date": "2022-04-15",
            "reprisal_types": ["detention"],
            "perpetrators": ["state"],
            "place": "Airport",
            "description": "Held for 9 hours",
        },
    )
    documenter_client.post(
        record_url(entry, "actions"),
        {
            "avenue": "senior_official",
            "taken_on": "2022-05-02",
            "status": "sent",
            "reference": "R-1",
        },
    )
    html = documenter_client.get(detail_url(entry)).content.decode()
    timeline = html[html.index('class="timeline"') :]
    positions = [timeline.index(d) for d in ("2022-03-01", "2022-04-15", "2022-05-02")]
    assert positions == sorted(positions)
    assert "Detention" in timeline


def test_an_incident_ending_before_it_starts_is_refused_on_the_page(documenter_client, make_entry):
    entry = make_entry()
    response = documenter_client.post(
        record_url(entry, "incidents"), {"date": "2022-04-15", "date_end": "2022-04-01"}
    )
    assert response.status_code == 400
    assert 'href="#field-date_end"' in response.content.decode()
    assert not entry.incidents.exists()


def test_the_list_filters_by_facet_links_and_searches(documenter_client, make_entry):
    bahrain = make_entry(title="Blogger detained")
    mexico = make_entry(title="Activist threatened", country="MEX", body=["iachr"])
    html = documenter_client.get(reverse("cases:list")).content.decode()
    assert "Bahrain" in html and "Mexico" in html
    filtered = documenter_client.get(reverse("cases:list"), {"country": "MEX"}).content.decode()
    assert mexico.ref in filtered and bahrain.ref not in filtered
    assert "Remove filter" in filtered
    searched = documenter_client.get(reverse("cases:list"), {"q": "blogger"}).content.decode()
    assert bahrain.ref in searched and mexico.ref not in searched


def test_the_list_page_keeps_its_query_count_flat(
    documenter_client, make_entry, django_assert_max_num_queries
):
    for i in range(30):
        make_entry(title=f"Entry {i}", year=2010 + i % 10, theme=["environment"])
    with django_assert_max_num_queries(16):
        response = documenter_client.get(reverse("cases:list"), {"theme": "environment"})
    assert response.status_code == 200


def test_the_list_pages_by_fifty(documenter_client, make_entry):
    for i in range(51):
        make_entry(title=f"Entry {i}")
    first = documenter_client.get(reverse("cases:list")).content.decode()
    assert "Page 1 of 2" in first and first.count("<tr>") == 51  # header row + 50
    second = documenter_client.get(reverse("cases:list"), {"page": "2"}).content.decode()
    assert second.count("<tr>") == 2


def test_editing_an_entry_records_the_changed_fields(coordinator_client, make_entry):
    entry = make_entry()
    url = reverse("cases:edit", kwargs={"uuid": entry.uuid})
    assert coordinator_client.get(url).status_code == 200
    form = ENTRY_FORM | {"country": "BHR", "title": "A new public title", "status": "follow_up_due"}
    assert coordinator_client.post(url, form).status_code == 302
    entry.refresh_from_db()
    assert entry.title == "A new public title" and entry.status == "follow_up_due"
    event = AuditEvent.objects.filter(action="entry.change").latest("id")
    assert {"title", "status"} <= set(event.fields)


def test_a_viewer_cannot_find_an_entry_by_a_subjects_name(
    viewer_client, documenter_client, make_entry, documenter
):
    entry = make_entry()
    services.add_subject(documenter, entry, {"kind": "individual", "name": "Mariam Saleh"})
    assert (
        entry.ref in documenter_client.get(reverse("cases:list"), {"q": "saleh"}).content.decode()
    )
    assert (
        entry.ref not in viewer_client.get(reverse("cases:list"), {"q": "saleh"}).content.decode()
    )


def _normal(html: str) -> str:
    """HTML without blank lines, indentation or the CSRF token; one spelling of the apostrophe."""
    import re

    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html).replace("&#x27;", "&#39;")
    return "\n".join(line.strip() for line in html.splitlines() if line.strip())


def test_form_widgets_render_through_jinja2_with_the_same_html(
    coordinator_client, make_entry, settings
):
    """ADR 0020: Django's Jinja2 copies of its widget templates; the page does not change."""
    from django.forms.renderers import get_default_renderer
    from django.template.backends.jinja2 import Template as Jinja2Template

    get_default_renderer.cache_clear()
    try:
        renderer = get_default_renderer()
        assert isinstance(renderer.get_template("django/forms/widgets/select.html"), Jinja2Template)
        url = reverse("cases:edit", kwargs={"uuid": make_entry().uuid})
        fast = coordinator_client.get(url).content.decode()
        settings.FORM_RENDERER = "django.forms.renderers.DjangoTemplates"
        get_default_renderer.cache_clear()
        plain = coordinator_client.get(url).content.decode()
    finally:
        get_default_renderer.cache_clear()
    assert 'id="id_country"' in fast and "<option" in fast
    assert _normal(fast) == _normal(plain)


def test_the_admin_widgets_without_a_jinja2_copy_still_render(admin_client):
    """The admin's own widget templates exist only for the Django engine: the fallback."""
    from django.forms.renderers import get_default_renderer
    from django.template.backends.django import Template as DjangoTemplate

    wrapper = "admin/widgets/related_widget_wrapper.html"
    assert isinstance(get_default_renderer().get_template(wrapper), DjangoTemplate)
    page = admin_client.get(reverse("admin:vocabularies_treatyacceptance_add"))
    assert page.status_code == 200
    assert b"related-widget-wrapper" in page.content and b'name="country"' in page.content
