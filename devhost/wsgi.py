"""WSGI entry point of the dev host, for a real app server (the load benchmark runs it under gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devhost.settings")
application = get_wsgi_application()
