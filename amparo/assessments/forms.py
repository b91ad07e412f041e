"""One form per step of the anonymous assessment; choices come from the reference data."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from amparo.assessments.state import MAX_FILE_BYTES, MIN_PASSPHRASE
from amparo.core import reference, risk

MAX_CUSTOM_THREATS = 3
TEXT_LIMIT = 2000


def lang() -> str:
    return (get_language() or "en")[:2]


def vocab_choices(vocabulary: str) -> list[tuple[str, str]]:
    return [
        (slug, reference.label(vocabulary, slug, lang())) for slug in reference.slugs(vocabulary)
    ]


def country_choices() -> list[tuple[str, str]]:
    language = lang()
    items = sorted(
        ((c.code, c.name.get(language) or c.un_short_name) for c in reference.countries().values()),
        key=lambda item: item[1].casefold(),
    )
    return [("", _("Choose a country"))] + items


class StepForm(forms.Form):
    use_required_attribute = False  # the server checks; "Back" must never be blocked


class ContextForm(StepForm):
    country = forms.ChoiceField(label=_("The State concerned"), choices=())
    activities = forms.MultipleChoiceField(
        label=_("What you plan to do, or have done (HB §2.1)"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    perpetrators = forms.MultipleChoiceField(
        label=_("Who might react (HB §2.2.1)"),
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one; choose “Unknown” if you cannot tell.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()
        self.fields["activities"].choices = vocab_choices("activity")
        self.fields["perpetrators"].choices = vocab_choices("perpetrator")


class ThreatsForm(StepForm):
    threats = forms.MultipleChoiceField(
        label=_("Threats you may face"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["threats"].choices = [
            c for c in vocab_choices("reprisal_type") if c[0] != risk.CUSTOM_THREAT
        ]
        for i in range(1, MAX_CUSTOM_THREATS + 1):
            self.fields[f"custom{i}"] = forms.CharField(
                label=_("Another threat, in your own words (%(n)s)") % {"n": i},
                required=False,
                max_length=200,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        customs = [data.get(f"custom{i}", "").strip() for i in range(1, MAX_CUSTOM_THREATS + 1)]
        data["customs"] = [c for c in customs if c]
        if not data.get("threats") and not data["customs"] and not self.errors:
            raise forms.ValidationError(_("Choose at least one threat or describe your own."))
        return data


class RatingForm(StepForm):
    """A probability and an impact for each threat chosen (HB §2.2.2)."""

    def __init__(self, *args: Any, threats: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.threat_fields = []
        for threat in threats:
            key = threat["id"]
            for axis, label in (("probability", _("Probability")), ("impact", _("Impact"))):
                self.fields[f"{axis}-{key}"] = forms.ChoiceField(
                    label=label,
                    choices=vocab_choices(axis),
                    widget=forms.RadioSelect,
                    error_messages={"required": _("Choose a level.")},
                )
            name = threat["label"] or reference.label("reprisal_type", threat["threat"], lang())
            self.threat_fields.append((name, [self[f"probability-{key}"], self[f"impact-{key}"]]))


class DomainsForm(StepForm):
    """Vulnerabilities and capacities in the ten domains (HB §2.2.3)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = []
        prompts = risk.domain_prompts()
        for slug, label in vocab_choices("domain"):
            self.fields[f"vuln-{slug}"] = forms.BooleanField(
                label=_("I am vulnerable here"), required=False
            )
            self.fields[f"cap-{slug}"] = forms.BooleanField(
                label=_("I have capacities here"), required=False
            )
            self.fields[f"note-{slug}"] = forms.CharField(
                label=_("Notes (optional)"),
                required=False,
                max_length=TEXT_LIMIT,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.rows.append(
                {
                    "label": label,
                    "vulnerability_prompt": risk.text(prompts[slug]["vulnerability"], lang()),
                    "capacity_prompt": risk.text(prompts[slug]["capacity"], lang()),
                    "vulnerable": self[f"vuln-{slug}"],
                    "capable": self[f"cap-{slug}"],
                    "note": self[f"note-{slug}"],
                }
            )


class PlanForm(StepForm):
    """Measures per risk (HB §2.3), who to inform, contacts and a date to reassess."""

    inform_who = forms.CharField(
        label=_("Who will you tell about your engagement, and who if something goes wrong?"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    inform_what = forms.CharField(
        label=_("What should they do if something goes wrong?"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    contacts = forms.CharField(
        label=_("Your own emergency contacts (lawyer, networks, embassies, journalists)"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reassess_on = forms.DateField(
        label=_("Date to reassess"),
        help_text=_("Reassess before each new engagement, and whenever your situation changes."),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Choose a date."), "invalid": _("Use the form YYYY-MM-DD.")},
    )

    def __init__(self, *args: Any, risks: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.risk_fields = []
        for item in risks:
            key = item.threat_id
            self.fields[f"measures-{key}"] = forms.MultipleChoiceField(
                label=_("Measures"),
                choices=[(m, risk.text(risk.measure(m)["text"], lang())) for m in item.measures],
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
            self.fields[f"own-{key}"] = forms.CharField(
                label=_("Your own measures"),
                required=False,
                max_length=TEXT_LIMIT,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.risk_fields.append((item, self[f"measures-{key}"], self[f"own-{key}"]))

    def clean_reassess_on(self) -> datetime.date:
        value = self.cleaned_data["reassess_on"]
        if value < datetime.date.today():
            raise forms.ValidationError(_("Choose today or a later date."))
        return value


class SaveForm(StepForm):
    passphrase = forms.CharField(
        label=_("Passphrase"),
        min_length=MIN_PASSPHRASE,
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    passphrase_again = forms.CharField(
        label=_("Passphrase again"),
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["passphrase"].help_text = _(
            "At least %(n)s characters. Without it nobody, not even Amparo, can open the file: "
            "if you lose it the plan is lost."
        ) % {"n": MIN_PASSPHRASE}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("passphrase") and data.get("passphrase") != data.get("passphrase_again"):
            self.add_error("passphrase_again", _("The two passphrases differ."))
        return data


class LoadForm(StepForm):
    plan_file = forms.FileField(label=_("Your saved plan file"))
    passphrase = forms.CharField(
        label=_("Passphrase"),
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_plan_file(self) -> Any:
        upload = self.cleaned_data["plan_file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("This file is too large to be a saved plan."))
        return upload
