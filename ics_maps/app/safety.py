"""What the server shows a stranger: a failure as the app's own message (never a traceback), and no
``/_stcore/metrics`` unless the operator asks for it.

* :func:`report_failure` logs an unexpected error with its traceback and a short reference, and
  shows the visitor a plain message quoting that reference. The page frame calls it for errors in
  a page; ``app.py`` passes it to ``st.App`` as ``on_script_error`` for anything else (Streamlit's
  own display is then suppressed), and ``client.showErrorDetails = "none"`` in
  ``.streamlit/config.toml`` is the backstop for a script run without ``app.py``.
* :class:`MetricsGate` answers 404 to ``/_stcore/metrics`` (Streamlit's OpenMetrics endpoint:
  session counts and cache sizes, and a cache walk that costs CPU on every request) unless
  ``ICS_MAPS_METRICS=1`` opens it, for a monitoring system on a private network.

Light on purpose: ``app.py`` imports this when the server starts.
"""

from __future__ import annotations

import logging
import os
import secrets

log = logging.getLogger("ics_maps.app")

FAILURE_MESSAGE = (
    "Something went wrong while drawing this page. The error has been logged for the people who "
    "run this site (reference {ref}). Reload the page or go back; if it keeps happening, quote "
    "the reference."
)
METRICS_PATH = "/_stcore/metrics"


def report_failure(exc: BaseException) -> bool:
    """Log ``exc`` with its traceback and a reference; show the visitor the app's own message.

    Returns True (for ``st.App(on_script_error=...)``: Streamlit's own display is suppressed).
    """
    ref = secrets.token_hex(4)
    log.error("page failed (reference %s): %r", ref, exc, exc_info=exc)
    try:
        import streamlit as st

        st.error(FAILURE_MESSAGE.format(ref=ref), icon=":material/error:")
    except Exception:  # noqa: BLE001 - no page to draw on: the log line is what is left
        log.warning("could not show the failure message (reference %s)", ref)
    return True


def metrics_open() -> bool:
    return os.environ.get("ICS_MAPS_METRICS", "").strip() in ("1", "true", "yes")


class MetricsGate:
    """ASGI middleware: ``/_stcore/metrics`` (under any base URL) is 404 unless
    :func:`metrics_open`."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if (
            scope.get("type") == "http"
            and str(scope.get("path", "")).rstrip("/").endswith(METRICS_PATH)
            and not metrics_open()
        ):
            await send(
                {
                    "type": "http.response.start",
                    "status": 404,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8")],
                }
            )
            await send({"type": "http.response.body", "body": b"Not found"})
            return
        await self.app(scope, receive, send)
