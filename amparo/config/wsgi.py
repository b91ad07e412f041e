import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amparo.config.settings")
application = get_wsgi_application()

# Refuse to serve without the encryption keyring (system checks do not run under a WSGI server).
from amparo.security.checks import require_keyring  # noqa: E402

require_keyring()

# Views, catalogs and templates loaded now, not on the first visitors' time (ADR 0022).
from amparo.config.warmup import warm  # noqa: E402

warm()
