"""The ``amparo`` console script: Django's management commands plus Amparo's own."""

from __future__ import annotations

import os
import sys

# Development tools with no place on a production instance (ASVS 5.0 15.2.3): Django's
# development servers and the generator of fictional entries.
DEVELOPMENT_ONLY = ("runserver", "testserver", "demo")


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amparo.config.settings")
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

    from amparo.config.env import ConfigError, env_bool

    args = sys.argv[1:] if argv is None else argv
    try:
        if args and args[0] in DEVELOPMENT_ONLY and env_bool("AMPARO_PRODUCTION", False):
            sys.stderr.write(
                f"amparo: `{args[0]}` is a development tool and is refused when "
                "AMPARO_PRODUCTION=true (serve Amparo with gunicorn: docs/deployment.md)\n"
            )
            sys.exit(2)
        execute_from_command_line(["amparo", *args])
    except ConfigError as exc:
        sys.stderr.write(f"amparo: configuration error: {exc}\n")
        sys.exit(2)
    except OperationalError as exc:
        # Refused, unreachable or unverifiable (TLS): say where and why, without a traceback.
        sys.stderr.write(f"amparo: cannot use the database at {_database_place()}: {exc}\n")
        sys.exit(3)
    except BrokenPipeError:
        # The reader went away (`amparo export | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)


def _database_place() -> str:
    """host:port/name of the default database (its file for SQLite); never the password."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if not db.get("HOST"):
        return str(db.get("NAME"))
    return f"{db['HOST']}:{db.get('PORT') or 5432}/{db.get('NAME')} as {db.get('USER')}"


if __name__ == "__main__":
    main()
