"""Staff forms of the case register. They parse and check input; services do the writing."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from amparo.accounts.models import User
from amparo.cases.evidence import EVIDENCE_KINDS
from amparo.cases.models import Entry, Status
from amparo.config.language import current_language
from amparo.core.citations import CitationError, parse_citation
from amparo.core.reference import MULTI_VALUED, avenues

EVIDENCE_KIND_LABELS = {
    "document": _("Document"),
    "photo": _("Photograph"),
    "testimony": _("Testimony"),
    "correspondence": _("Correspondence"),
    "other": _("Other"),
}
VOCABULARY_FIELDS = {
    "theme": _("Thematic areas of the person's work"),
    "contact_point": _("Points of contact with the UN"),
    "body": _("Bodies and mechanisms engaged"),
    "reprisal_type": _("Types of reprisal"),
    "perpetrator": _("Perpetrators"),
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def date_field(label: Any, required: bool = False, help_text: Any = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput(), help_text=help_text)


def term_choices(*vocabularies: str) -> dict[str, list[tuple[str, str]]]:
    """Choices (slug, label in the current language) for each vocabulary, in one query."""
    from amparo.vocabularies.models import Term

    found: dict[str, list[tuple[str, str]]] = {v: [] for v in vocabularies}
    rows = (
        Term.objects.filter(vocabulary__in=vocabularies, deprecated=False)
        .order_by("vocabulary", "position")
        .values_list("vocabulary", "slug", f"label_{current_language()}", "label_en")
    )
    for vocabulary, slug, label, label_en in rows:
        found[vocabulary].append((slug, label or label_en))
    return found


def country_choices() -> list[tuple[str, str]]:
    """Countries by name in the current language."""
    from amparo.vocabularies.models import Country

    rows = Country.objects.order_by().values_list("code", f"name_{current_language()}", "name_en")
    return sorted(((code, name or en) for code, name, en in rows), key=lambda p: p[1].casefold())


def avenue_choices() -> list[tuple[str, str]]:
    """The avenues of recourse (REFERENCE §3) with their names in the current language."""
    from django.utils.translation import get_language

    language = (get_language() or "en")[:2]
    return [
        (a["slug"], f"{a['name'].get(language) or a['name']['en']} (HB {a.get('hb', '')})")
        for a in avenues()
    ]


def blank(choices: list[tuple[str, str]], label: Any = "—") -> list[tuple[str, Any]]:
    return [("", label), *choices]


class StaffForm(forms.Form):
    """Links help text to its field for screen readers; errors come back through add_service_errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.describe()

    def describe(self) -> None:
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}_help"

    def add_service_errors(self, error: ValidationError) -> None:
        """Show a service's ValidationError on the field it names, or at the top of the form."""
        if hasattr(error, "error_dict"):
            for name, errors in error.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, error.messages)


class EntryForm(StaffForm):
    kind = forms.ChoiceField(
        label=_("Kind of entry"),
        help_text=_(
            "Named or unnamed persons need consent before the portal can show them; "
            "general situations and preemptive statements concern no person (HB §1.2)."
        ),
    )
    title = forms.CharField(
        label=_("Public title"),
        max_length=300,
        help_text=_(
            "Shown on the public portal if published: never a name or a place that identifies someone."
        ),
    )
    summary = forms.CharField(
        label=_("Public summary"),
        required=False,
        widget=forms.Textarea,
        help_text=_("What may be said in public. Confidential details go in the notes below."),
    )
    country = forms.ChoiceField(label=_("Country"), help_text=_("The State concerned."))
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=1945,
        help_text=_("Year of the first report or record of the case."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices, initial=Status.OPEN)
    subject_kind = forms.ChoiceField(label=_("Subject kind"), required=False)
    gender = forms.ChoiceField(
        label=_("Gender"), required=False, help_text=_("For individuals only.")
    )
    notes = forms.CharField(
        label=_("Confidential notes"),
        required=False,
        widget=forms.Textarea,
        help_text=_("Encrypted; only staff allowed to see confidential details can read them."),
    )
    published = forms.BooleanField(
        label=_("Published"),
        required=False,
        help_text=_(
            "The decision to publish. Entries about people stay off the portal until consent "
            "to publish in the portal is recorded (REFERENCE §5)."
        ),
    )
    restricted = forms.BooleanField(
        label=_("Restricted to named staff"),
        required=False,
        help_text=_("Only the staff named below (and administrators) can open a restricted entry."),
    )
    allowed_users = forms.ModelMultipleChoiceField(
        label=_("Staff who may open it"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = term_choices("kind", "subject_kind", "gender", *MULTI_VALUED)
        self.fields["kind"].choices = blank(choices["kind"])
        self.fields["subject_kind"].choices = blank(choices["subject_kind"])
        self.fields["gender"].choices = blank(choices["gender"])
        self.fields["country"].choices = blank(country_choices())
        self.fields["year"] = forms.IntegerField(
            label=self.fields["year"].label,
            help_text=self.fields["year"].help_text,
            required=False,
            min_value=1945,
            max_value=datetime.date.today().year,
        )
        for vocabulary in MULTI_VALUED:
            self.fields[vocabulary] = forms.MultipleChoiceField(
                label=VOCABULARY_FIELDS[vocabulary],
                choices=choices[vocabulary],
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        if user.can_publish:
            self.fields["allowed_users"].queryset = User.objects.filter(is_active=True).order_by(
                "username"
            )
            self.fields["allowed_users"].label_from_instance = lambda u: u.username
        else:
            for name in ("published", "restricted", "allowed_users"):
                del self.fields[name]
        self.order_fields([*self.CODING, *MULTI_VALUED, "notes"])
        self.describe()

    CODING = ("kind", "title", "summary", "country", "year", "status", "subject_kind", "gender")

    @classmethod
    def initial_for(cls, entry: Entry) -> dict[str, Any]:
        initial = {
            name: getattr(entry, name)
            for name in (
                "kind",
                "title",
                "summary",
                "country",
                "year",
                "status",
                "subject_kind",
                "gender",
                "notes",
                "published",
                "restricted",
            )
        }
        held = entry.terms_by_vocabulary()
        initial |= {v: held.get(v, []) for v in MULTI_VALUED}
        initial["allowed_users"] = list(entry.allowed_users.all())
        return initial

    def entry_data(self) -> dict[str, Any]:
        """What the services take: public coding, term lists, notes (and publication if allowed)."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "allowed_users"}
        return data


class SubjectForm(StaffForm):
    kind = forms.ChoiceField(label=_("Kind"))
    gender = forms.ChoiceField(
        label=_("Gender"), required=False, help_text=_("For individuals only.")
    )
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=300,
        help_text=_("Encrypted. Staff can find the entry by any word of the name or aliases."),
    )
    aliases = forms.CharField(
        label=_("Other names and spellings"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, e.g. transliterations."),
    )
    contact = forms.CharField(
        label=_("Contact details"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Encrypted. How to reach the person safely."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = term_choices("subject_kind", "gender")
        self.fields["kind"].choices = blank(choices["subject_kind"])
        self.fields["gender"].choices = blank(choices["gender"])

    @staticmethod
    def initial_for(subject: Any) -> dict[str, Any]:
        return {
            "kind": subject.kind,
            "gender": subject.gender,
            "name": subject.name,
            "aliases": "\n".join(subject.aliases),
            "contact": subject.contact,
        }

    def clean_aliases(self) -> list[str]:
        lines = (self.cleaned_data.get("aliases") or "").splitlines()
        return [line.strip() for line in lines if line.strip()]

    def record_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class EngagementForm(StaffForm):
    body = forms.ChoiceField(label=_("Body or mechanism"))
    contact_point = forms.ChoiceField(label=_("Point of contact"), required=False)
    date = date_field(_("Date"))
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Encrypted. What the person did with the body."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = term_choices("body", "contact_point")
        self.fields["body"].choices = blank(choices["body"])
        self.fields["contact_point"].choices = blank(choices["contact_point"])

    @staticmethod
    def initial_for(engagement: Any) -> dict[str, Any]:
        return {k: getattr(engagement, k) for k in ("body", "contact_point", "date", "description")}

    def record_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class IncidentForm(StaffForm):
    date = date_field(_("Date"), help_text=_("The day it happened, or the start of a period."))
    date_end = date_field(
        _("Until"), help_text=_("Only for something that lasted, e.g. a detention.")
    )
    place = forms.CharField(
        label=_("Place"), required=False, max_length=300, help_text=_("Encrypted.")
    )
    reprisal_types = forms.MultipleChoiceField(
        label=_("Types of reprisal"), required=False, widget=forms.CheckboxSelectMultiple
    )
    perpetrators = forms.MultipleChoiceField(
        label=_("Perpetrators"), required=False, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Encrypted. Who, what, how."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = term_choices("reprisal_type", "perpetrator")
        self.fields["reprisal_types"].choices = choices["reprisal_type"]
        self.fields["perpetrators"].choices = choices["perpetrator"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("date") and data.get("date_end") and data["date_end"] < data["date"]:
            self.add_error("date_end", _("The end date is before the start date."))
        return data

    @staticmethod
    def initial_for(incident: Any) -> dict[str, Any]:
        names = ("date", "date_end", "place", "reprisal_types", "perpetrators", "description")
        return {k: getattr(incident, k) for k in names}

    def record_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class CitationForm(StaffForm):
    citation = forms.CharField(
        label=_("Citation"),
        max_length=120,
        help_text=_("A UN document symbol, then annex and paragraph: A/HRC/57/60 annex I para 45."),
    )

    def clean_citation(self) -> str:
        text = self.cleaned_data["citation"]
        try:
            return str(parse_citation(text))
        except CitationError:
            raise ValidationError(
                _(
                    "“%(text)s” is not a citation. Write it like: A/HRC/57/60 para 45, or A/HRC/57/60 annex I para 45."
                ),
                params={"text": text},
            ) from None

    @staticmethod
    def initial_for(citation: Any) -> dict[str, Any]:
        return {"citation": str(citation)}

    def record_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ConsentForm(StaffForm):
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        help_text=_("Consent covers one purpose only and never implies another (REFERENCE §5)."),
    )
    given_by = forms.ChoiceField(label=_("Given by"))
    method = forms.ChoiceField(label=_("How it was given"))
    given_on = date_field(_("Given on"), required=True)
    subject = forms.ChoiceField(
        label=_("Person or organisation"),
        required=False,
        help_text=_("Leave empty when consent covers the whole entry."),
    )
    limits = forms.CharField(
        label=_("Limits"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Encrypted. Any condition set by the person, e.g. initials only."),
    )

    def __init__(self, *args: Any, entry: Entry, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = term_choices("consent_purpose", "consent_giver", "consent_method")
        self.fields["purpose"].choices = blank(choices["consent_purpose"])
        self.fields["given_by"].choices = blank(choices["consent_giver"])
        self.fields["method"].choices = blank(choices["consent_method"])
        self.subjects = {str(s.pk): s for s in entry.subjects.all()}
        self.fields["subject"].choices = blank(
            [(pk, s.name or _("(no name recorded)")) for pk, s in self.subjects.items()],
            _("The whole entry"),
        )
        self.fields["given_on"].initial = datetime.date.today()

    @staticmethod
    def initial_for(consent: Any) -> dict[str, Any]:
        initial = {
            k: getattr(consent, k) for k in ("purpose", "given_by", "method", "given_on", "limits")
        }
        initial["subject"] = str(consent.subject_id) if consent.subject_id else ""
        return initial

    def record_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["subject"] = self.subjects.get(data.get("subject") or "")
        return data


class WithdrawConsentForm(StaffForm):
    withdrawn_on = date_field(_("Withdrawn on"), required=True)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Encrypted. How and why the withdrawal was made known."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["withdrawn_on"].initial = datetime.date.today()


class ActionForm(StaffForm):
    avenue = forms.ChoiceField(
        label=_("Avenue"), help_text=_("Where the case was taken (HB ch.3-6).")
    )
    taken_on = date_field(_("Date"), required=True)
    reference = forms.CharField(
        label=_("Reference number"),
        required=False,
        max_length=120,
        help_text=_("The number the body gave the case, if any."),
    )
    status = forms.ChoiceField(label=_("Status"))
    reply = forms.CharField(
        label=_("Reply"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Encrypted. What came back."),
    )
    replied_on = date_field(_("Reply received on"))
    reminder_on = date_field(
        _("Follow up on"), help_text=_("The date to check again if nothing has come back.")
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Encrypted."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["avenue"].choices = blank(avenue_choices())
        self.fields["status"].choices = term_choices("action_status")["action_status"]
        self.fields["status"].initial = "sent"

    @staticmethod
    def initial_for(action: Any) -> dict[str, Any]:
        names = (
            "avenue",
            "taken_on",
            "reference",
            "status",
            "reply",
            "replied_on",
            "reminder_on",
            "notes",
        )
        return {k: getattr(action, k) for k in names}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (
            data.get("taken_on")
            and data.get("replied_on")
            and data["replied_on"] < data["taken_on"]
        ):
            self.add_error("replied_on", _("The reply cannot come before the action."))
        return data

    def record_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class EvidenceForm(StaffForm):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "JPEG, PNG, WebP, PDF, plain text, DOCX or ODT. The type is checked from the content."
        ),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(k, EVIDENCE_KIND_LABELS[k]) for k in EVIDENCE_KINDS]
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Encrypted. What the file shows and where it came from."),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["file"]

    @staticmethod
    def initial_for(item: Any) -> dict[str, Any]:
        return {"kind": item.kind, "description": item.description}

    def record_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
