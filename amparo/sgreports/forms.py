"""Forms of the Reprisals Report tracker: upload and candidate review."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from amparo.core import reference
from amparo.sgreports.models import Report


def _choices(vocabulary: str) -> list[tuple[str, str]]:
    return [(slug, reference.label(vocabulary, slug)) for slug in reference.slugs(vocabulary)]


class UploadForm(forms.Form):
    report = forms.ModelChoiceField(
        label=_("Report"), queryset=Report.objects.all(), to_field_name="symbol"
    )
    file = forms.FileField(
        label=_("Report file"),
        help_text=_("The report as a PDF or a UTF-8 text file. Nothing is sent anywhere."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.AMPARO_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than the upload limit."))
        return upload


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class AcceptForm(forms.Form):
    """The reviewer's version of a candidate; names one per line."""

    kind = forms.ChoiceField(label=_("Kind"), choices=_choices("kind"))
    country = forms.ChoiceField(label=_("Country"))
    title = forms.CharField(
        label=_("Public title"),
        max_length=300,
        required=False,
        help_text=_("Shown wherever the entry is listed: do not put a name here."),
    )
    persons = forms.CharField(
        label=_("Persons (one per line)"), widget=forms.Textarea, required=False
    )
    organisations = forms.CharField(
        label=_("Organisations (one per line)"), widget=forms.Textarea, required=False
    )
    reprisal_types = forms.MultipleChoiceField(
        label=_("Reprisal types"),
        choices=_choices("reprisal_type"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    bodies = forms.MultipleChoiceField(
        label=_("Bodies engaged"),
        choices=_choices("body"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    contact_points = forms.MultipleChoiceField(
        label=_("Points of contact"),
        choices=_choices("contact_point"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = sorted(
            ((c.code, c.un_short_name) for c in reference.countries().values()),
            key=lambda pair: pair[1],
        )

    def clean_persons(self) -> list[str]:
        return _lines(self.cleaned_data["persons"])

    def clean_organisations(self) -> list[str]:
        return _lines(self.cleaned_data["organisations"])


class MergeForm(forms.Form):
    ref = forms.CharField(
        label=_("Reference of the existing entry"),
        max_length=64,
        help_text=_("For example AMP-000123."),
    )
