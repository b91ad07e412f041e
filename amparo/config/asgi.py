import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amparo.config.settings")
application = get_asgi_application()

# As amparo/config/wsgi.py: no keyring, no server; and nothing left to load on a visitor's time.
from amparo.config.warmup import warm  # noqa: E402
from amparo.security.checks import require_keyring  # noqa: E402

require_keyring()
warm()
