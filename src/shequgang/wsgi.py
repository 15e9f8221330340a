import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequgang.settings")
_django = get_wsgi_application()

from shequgang.web.body_limits import BodyLimits  # noqa: E402  (needs the settings loaded)

# Request bodies are bounded in size and time before Django reads them.
application = BodyLimits(_django)
