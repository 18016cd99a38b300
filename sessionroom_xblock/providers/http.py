"""One HTTP client for every provider: timeouts always, bounded retries for idempotent calls only.

Errors come out as ``ProviderUnavailable`` with an ``error_type`` (timeout, connection, http_status,
malformed) and a message that names the call but never the URL's query (it can carry a checksum).
"""

from __future__ import annotations

import logging

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from sessionroom_xblock.providers.base import ProviderUnavailable

log = logging.getLogger(__name__)

DEFAULT_CONNECT_TIMEOUT = 3.0
DEFAULT_READ_TIMEOUT = 10.0
RETRY_STATUSES = (502, 503, 504)


def build_session(retries: int, backoff: float, methods: frozenset[str]) -> requests.Session:
    """A ``requests.Session`` retrying connection errors and 502/503/504 on ``methods`` only."""
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=methods,
        raise_on_status=False,
        respect_retry_after_header=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=16)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _retried_read_timeout(exc: requests.RequestException) -> bool:
    """
    True for read timeouts that exhausted the retries.

    requests raises those as ``ConnectionError(MaxRetryError(reason=ReadTimeoutError))``, not as ``Timeout``.
    """
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, ReadTimeoutError)


class ProviderHttp:
    """Timed, retried HTTP for one provider; ``idempotent=False`` calls are tried once."""

    def __init__(self, provider_name: str, config: dict):
        self.provider_name = provider_name
        self.timeout = (
            float(config.get("CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT)),
            float(config.get("READ_TIMEOUT", DEFAULT_READ_TIMEOUT)),
        )
        retries = int(config.get("RETRIES", 2))
        backoff = float(config.get("RETRY_BACKOFF", 0.2))
        self._retrying = build_session(retries, backoff, frozenset({"GET", "POST"}))
        self._once = build_session(0, 0, frozenset({"GET", "POST"}))

    def request(self, method: str, url: str, *, call: str, idempotent: bool, **kwargs) -> requests.Response:
        """Send one request; any transport failure or 5xx becomes ``ProviderUnavailable``."""
        session = self._retrying if idempotent else self._once
        try:
            response = session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            raise self._fail(call, "timeout", "timed out") from exc
        except requests.RequestException as exc:
            if _retried_read_timeout(exc):
                raise self._fail(call, "timeout", "timed out") from exc
            raise self._fail(call, "connection", "could not connect") from exc
        if response.status_code >= 500:
            raise self._fail(call, "http_status", f"answered HTTP {response.status_code}")
        return response

    def _fail(self, call: str, error_type: str, what: str) -> ProviderUnavailable:
        message = f"{self.provider_name} {call} {what}"
        log.warning("Video provider call failed: %s", message)
        return ProviderUnavailable(message, error_type=error_type)
