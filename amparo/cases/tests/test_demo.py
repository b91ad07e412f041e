"""amparo demo: reproducible, plainly fictional, shaped like HB §1.2."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from amparo.cases.demo import SYLLABLES, build_rows, fictional_name, load_demo
from amparo.cases.models import Action, Engagement, Entry, Incident, Subject
from amparo.cases.queries_stats import entry_stats


def export() -> str:
    out = io.StringIO()
    call_command("export", "--format", "jsonl", "--include-confidential", stdout=out)
    return out.getvalue()


def test_the_same_seed_gives_the_same_register(db):
    load_demo(300, seed=7)
    first_stats, first_export = entry_stats(), export()
    Entry.objects.all().delete()
    load_demo(300, seed=7)
    assert entry_stats() == first_stats
    assert export() == first_export
    Entry.objects.all().delete()
    load_demo(300, seed=8)
    assert entry_stats() != first_stats


def test_the_first_entries_do_not_depend_on_the_count():
    small = [r.title for r in build_rows(50, 42)]
    large = [r.title for r in build_rows(400, 42)][:50]
    assert small == large


def test_the_kinds_regions_and_genders_follow_the_handbook_figures():
    rows = list(build_rows(3000, 42))
    share = lambda pred: sum(1 for r in rows if pred(r)) / len(rows)  # noqa: E731
    assert share(lambda r: r.kind == "named") == pytest.approx(588 / 988, abs=0.04)
    assert share(lambda r: r.kind == "unnamed") == pytest.approx(279 / 988, abs=0.04)
    assert share(lambda r: r.kind == "general_situation") == pytest.approx(93 / 988, abs=0.02)
    assert share(lambda r: r.region == "mena") == pytest.approx(0.29, abs=0.04)
    assert share(lambda r: r.region == "weog") < 0.015
    named = [r for r in rows if r.kind == "named"]
    male = sum(r.gender == "male" for r in named) / len(named)
    assert male == pytest.approx(0.56, abs=0.05)
    threats = sum("threats_intimidation" in r.terms["reprisal_type"] for r in named) / len(named)
    assert threats == pytest.approx(0.40, abs=0.05)
    countries = [r.country for r in rows]
    top = max(set(countries), key=countries.count)
    assert top in {"VEN", "CHN", "BHR"}


def test_it_loads_a_lived_in_register_quickly(db):
    out = io.StringIO()
    call_command("demo", "--count", "1000", stdout=out)
    assert "demo data loaded: 1000 entries" in out.getvalue()
    assert Subject.objects.count() > 500 and Engagement.objects.count() > 500
    assert Incident.objects.count() > 500 and Action.objects.count() > 200
    public = Entry.objects.public().count()
    assert 500 < public < 1000
    sample = Entry.objects.get(ref="DEMO-000001")
    assert sample.title and sample.summary and sample.citations.exists()


def test_names_contacts_and_notes_are_plainly_fictional(db):
    load_demo(200, seed=3)
    syllable = "(?:" + "|".join(SYLLABLES) + ")"
    word = re.compile(f"^{syllable}+$", re.IGNORECASE)
    subjects = list(Subject.objects.all())
    assert subjects
    for subject in subjects:
        words = subject.name.split()
        assert all(
            word.match(w)
            or w in ("Collective", "Network", "Circle", "Assembly", "Coalition", "Forum")
            for w in words
        )
        assert subject.contact.startswith("demo-only +00 000")
    notes = {e.notes for e in Entry.objects.all()}
    assert notes <= {"", "Demo note: no real person or case."}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fictional_names_use_only_invented_syllables(seed):
    import random

    name = fictional_name(random.Random(seed))
    assert len(name.split()) == 2 and name.istitle()


def test_it_refuses_to_load_twice(db):
    load_demo(5, seed=1)
    with pytest.raises(CommandError, match="already loaded"):
        call_command("demo", "--count", "5", stdout=io.StringIO())
    assert Entry.objects.count() == 5


def test_it_refuses_a_silly_count(db):
    with pytest.raises(CommandError, match="--count must be between"):
        call_command("demo", "--count", "0", stdout=io.StringIO())
