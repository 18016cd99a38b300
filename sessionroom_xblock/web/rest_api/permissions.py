"""Who may use the REST API: participants read their own sessions; staff and service users read and write all."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from sessionroom_xblock.conf import sessionroom_settings


def is_service_user(user) -> bool:
    """
    Django staff, or a user the operator named as a booking system: ``SESSIONROOM["API_SERVICE_USERS"]``
    (usernames) or a member of the group ``SESSIONROOM["API_SERVICE_GROUP"]``.
    """
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    config = sessionroom_settings()
    if user.username in (config.get("API_SERVICE_USERS") or ()):
        return True
    group = config.get("API_SERVICE_GROUP") or ""
    return bool(group) and user.groups.filter(name=group).exists()


class SessionPermission(BasePermission):
    """Any signed-in user may read (the queryset limits them to their own sessions); only service users write."""

    message = "Only staff and booking-system accounts can schedule, reschedule or cancel sessions."

    def has_permission(self, request, view) -> bool:
        """Authenticated for reads; a service user for writes."""
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        return request.method in SAFE_METHODS or is_service_user(user)
