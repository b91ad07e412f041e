from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "amparo.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from amparo.accounts import signals  # noqa: F401
        from amparo.accounts.audit import register_sqlite_guard

        connection_created.connect(register_sqlite_guard, dispatch_uid="amparo_audit_guard")
