import pytest
from django.core.management import call_command

from amparo.core import reference
from amparo.vocabularies.models import Avenue, Country, Term
from amparo.vocabularies.services import load_reference_data

pytestmark = pytest.mark.django_db


def test_migrating_loads_every_term_country_and_avenue():
    terms = sum(len(v["terms"]) for v in reference.vocabularies().values())
    assert Term.objects.count() == terms
    assert Country.objects.count() == len(reference.countries())
    assert Avenue.objects.count() == len(reference.avenues())
    assert Country.objects.get(code="VNM").region == "asia_pacific"
    assert Avenue.objects.get(slug="senior_official").handbook_section == "§3.4"


def test_loading_again_keeps_an_admins_edit_and_its_history():
    term = Term.objects.get(vocabulary="kind", slug="named")
    term.label_fr = "Cas nommé (modifié)"
    term.save()
    assert load_reference_data() == {
        "terms": 0,
        "countries": 0,
        "avenues": 0,
        "treaty_acceptances": 0,
    }
    term.refresh_from_db()
    assert term.label_fr == "Cas nommé (modifié)"
    assert term.history.count() >= 2


def test_reset_restores_the_shipped_label(capsys):
    Term.objects.filter(vocabulary="kind", slug="named").update(label_en="changed")
    call_command("load_reference", "--reset")
    assert Term.objects.get(vocabulary="kind", slug="named").label_en == reference.label(
        "kind", "named"
    )
