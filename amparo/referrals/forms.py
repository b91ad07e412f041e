"""Forms of the navigator, the submission builder and the recording of a sent submission."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from amparo.core import reference
from amparo.core.referral import AnswerError, Answers, parse_answers

LANGUAGE_CHOICES = [("en", "English"), ("fr", "Français"), ("es", "Español")]
REMEDY_CHOICES = [
    ("unknown", _("Not sure")),
    ("yes", _("Yes, they have been used up")),
    ("no", _("No")),
]


def vocabulary_choices(vocabulary: str, language: str) -> list[tuple[str, str]]:
    return [
        (slug, reference.label(vocabulary, slug, language)) for slug in reference.slugs(vocabulary)
    ]


def country_choices(language: str) -> list[tuple[str, str]]:
    countries = sorted(
        reference.countries().values(), key=lambda c: c.name.get(language) or c.name["en"]
    )
    return [("", _("Choose a State (or leave empty)"))] + [
        (c.code, c.name.get(language) or c.name["en"]) for c in countries
    ]


class NavigatorForm(forms.Form):
    """The navigator's questions (issue 5 §1). Nothing here is stored anywhere."""

    country = forms.ChoiceField(
        label=_("Which State is responsible for, or concerned by, the reprisal?"), required=False
    )
    bodies = forms.MultipleChoiceField(
        label=_("Which UN or regional bodies did the person engage with?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reprisal_types = forms.MultipleChoiceField(
        label=_("What happened?"), required=False, widget=forms.CheckboxSelectMultiple
    )
    perpetrators = forms.MultipleChoiceField(
        label=_("Who is thought to be responsible?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    urgent = forms.BooleanField(
        label=_("The situation is serious and urgent, with a risk of irreparable harm"),
        required=False,
    )
    racial_or_ethnic_dimension = forms.BooleanField(
        label=_("The reprisal has a racial or ethnic dimension, or followed work on such an issue"),
        required=False,
    )
    in_geneva = forms.BooleanField(
        label=_("The person is in Geneva now, or about to travel home after a UN session"),
        required=False,
    )
    domestic_remedies_exhausted = forms.ChoiceField(
        label=_("Have the remedies available in the country (courts, appeals) been used up?"),
        choices=REMEDY_CHOICES,
        initial="unknown",
        widget=forms.RadioSelect,
    )
    previous_citation = forms.CharField(
        label=_("Was the case already in a UN report? Its citation"),
        help_text=_("For example A/HRC/57/60 annex I para 45. Leave empty if not."),
        required=False,
        max_length=120,
    )
    language = forms.ChoiceField(
        label=_("Language of the answer"), choices=LANGUAGE_CHOICES, initial="en"
    )

    def __init__(self, *args: Any, language: str = "en", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices(language)
        self.fields["bodies"].choices = vocabulary_choices("body", language)
        self.fields["reprisal_types"].choices = vocabulary_choices("reprisal_type", language)
        self.fields["perpetrators"].choices = vocabulary_choices("perpetrator", language)
        self.fields["language"].initial = language

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        raw = {name: data.get(name) for name in Answers.__dataclass_fields__ if name in self.fields}
        raw["domestic_remedies_exhausted"] = data.get("domestic_remedies_exhausted") or "unknown"
        try:
            self.answers = parse_answers(raw)
        except AnswerError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, str(exc))
        return data


class DraftForm(forms.Form):
    """Which avenue to draft for, in which language, and the text the person adds per element."""

    avenue = forms.CharField(widget=forms.HiddenInput, max_length=60)
    body = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)
    language = forms.ChoiceField(label=_("Language of the draft"), choices=LANGUAGE_CHOICES)
    consent_confirmed = forms.BooleanField(
        label=_(
            "The person (or a relative or legal representative) has explicitly agreed to appear "
            "in this report"
        ),
        required=False,
    )
    mark_ready = forms.BooleanField(label=_("Mark this draft ready to send"), required=False)

    def __init__(self, *args: Any, include: list[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in include:
            self.fields[f"part_{item.slug}"] = forms.CharField(
                label=item.text, required=False, widget=forms.Textarea(attrs={"rows": 3})
            )

    def parts(self) -> dict[str, str]:
        return {
            name.removeprefix("part_"): (value or "").strip()
            for name, value in self.cleaned_data.items()
            if name.startswith("part_")
        }


class RecordSentForm(forms.Form):
    """A submission the staff member sent from their own mail client (issue 5 §4)."""

    taken_on = forms.DateField(
        label=_("Sent on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=datetime.date.today,
    )
    reference = forms.CharField(
        label=_("Reference number given by the body"), required=False, max_length=120
    )
    reminder_on = forms.DateField(
        label=_("Follow up on"),
        required=False,
        help_text=_("Leave empty to use the usual delay for this avenue."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
