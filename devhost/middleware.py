"""Dev-host only: ``?student=<username>`` signs that user in, as the workbench's user switch does.

The workbench trusts ``?student=`` for XBlock views and handlers; this makes the plugin's own Django
pages (the direct session page, the REST API) see the same user. Never install this in a real LMS.
"""

from django.contrib.auth import get_user_model, login


class DevLoginMiddleware:
    """Log in the user named by ``?student=`` (creating it, as a new LMS account would exist)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        username = request.GET.get("student")
        if username and (not request.user.is_authenticated or request.user.username != username):
            user, _ = get_user_model().objects.get_or_create(username=username[:150])
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return self.get_response(request)
