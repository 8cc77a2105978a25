from celery import shared_task
from django.utils import timezone

from .services.tree import annual_folders_create


@shared_task
def create_annual_folders() -> int:
    """Yearly (Celery beat, 1 January): this year's annual folder for every company."""
    return annual_folders_create(year=timezone.localdate().year)
