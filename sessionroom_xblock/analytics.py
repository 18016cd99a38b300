"""The spec's analytics events under one namespace, sent through the block's runtime or the platform tracker."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

NAMESPACE = "edx.sessionroom."
EVENTS = ("page_view", "session_joined", "session_started", "session_ended", "feedback_submitted", "tech_issue")

#: Sends one event: (full event name, data).
Emit = Callable[[str, dict[str, Any]], None]


class Analytics:
    """Publishes spec events through ``emit``; refuses names the spec does not define."""

    def __init__(self, emit: Emit):
        self._emit = emit

    def publish(self, event: str, **data: Any) -> None:
        """Send ``event`` (one of ``EVENTS``) with ``data``; never lets a tracking failure break the request."""
        if event not in EVENTS:
            raise ValueError(f"Unknown analytics event {event!r}")
        try:
            self._emit(NAMESPACE + event, data)
        except Exception:  # noqa: BLE001 - tracking must never break a join or a rating
            log.exception("Could not publish analytics event %s", event)


def runtime_analytics(block) -> Analytics:
    """Events through ``runtime.publish`` (the LMS forwards them to the tracking log)."""
    return Analytics(lambda name, data: block.runtime.publish(block, name, data))


def tracker_analytics() -> Analytics:
    """Events through the platform tracker, for the direct page, webhooks and tasks."""
    from sessionroom_xblock.compat import emit_tracking_event

    return Analytics(emit_tracking_event)
