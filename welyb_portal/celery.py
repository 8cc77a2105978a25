"""The Celery app: `celery -A welyb_portal worker` and `celery -A welyb_portal beat`.

Its configuration is the CELERY_* settings (JSON only, late acknowledgement, time limits).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "welyb_portal.settings")

app = Celery("welyb_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
