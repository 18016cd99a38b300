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


class WriteCounterMiddleware:
    """
    Benchmark only: count the SQL statements that write (INSERT, UPDATE, DELETE, REPLACE) in every request
    and add them to one counter in the shared cache, so a load benchmark can read the database writes of all
    app-server processes. Installed when ``SESSIONROOM_COUNT_WRITES=1``.
    """

    KEY = "sessionroom:bench:db_writes"
    WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.core.cache import cache  # noqa: PLC0415
        from django.db import connection  # noqa: PLC0415

        writes = []

        def count(execute, sql, params, many, context):
            if sql.lstrip()[:7].upper().startswith(self.WRITES):
                writes.append(1)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = self.get_response(request)
        if writes:
            cache.add(self.KEY, 0, timeout=None)
            cache.incr(self.KEY, len(writes))
        return response
