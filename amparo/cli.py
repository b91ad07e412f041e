"""The ``amparo`` console script: Django's management commands plus Amparo's own."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amparo.config.settings")
    from django.core.management import execute_from_command_line

    from amparo.config.env import ConfigError

    try:
        execute_from_command_line(["amparo", *(sys.argv[1:] if argv is None else argv)])
    except ConfigError as exc:
        sys.stderr.write(f"amparo: configuration error: {exc}\n")
        sys.exit(2)
    except BrokenPipeError:
        # The reader went away (`amparo export | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)


if __name__ == "__main__":
    main()
