from django.apps import AppConfig


class VocabulariesConfig(AppConfig):
    name = "amparo.vocabularies"
    label = "vocabularies"
    verbose_name = "Reference data"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_load_after_migrate, sender=self)


def _load_after_migrate(sender, using="default", **kwargs) -> None:  # type: ignore[no-untyped-def]
    """Every migrated database gets the shipped reference data (missing rows only)."""
    from amparo.vocabularies.services import load_reference_data

    load_reference_data(overwrite=False)
