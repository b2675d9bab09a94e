"""The WSGI entry point. It runs the system checks first when DEBUG is off, so a server
refuses to start with a built-in secret or the sandbox on."""

import os

from django.core.wsgi import get_wsgi_application

from caravana.api.checks import refuse_unsafe_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caravana.settings")
application = get_wsgi_application()

# With DEBUG off, an unsafe configuration stops the server here (caravana.api.checks).
refuse_unsafe_start()
