"""The dev host project. Its Celery app loads with Django, as in any Django project, so that
``shared_task``s bind to it (eager unless ``SESSIONROOM_CELERY_EAGER=0``) instead of Celery's default app."""

from devhost.celery import app as celery_app

__all__ = ("celery_app",)
