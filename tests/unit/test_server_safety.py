"""What the server shows strangers (issue 16, findings 5 and 9), without a server: the metrics gate
as ASGI middleware, and the failure report (a log line with a reference, True for st.App)."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

import pytest

from ics_maps.app import safety


def _call(path: str) -> tuple[int, list[str]]:
    reached: list[str] = []
    sent: list[dict] = []

    async def app(scope, receive, send):
        reached.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    gate = safety.MetricsGate(app)
    # in a thread of its own: a browser test's Playwright may hold this thread's event loop
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, gate({"type": "http", "path": path}, receive, send)).result()
    return sent[0]["status"], reached


@pytest.mark.parametrize("path", ["/_stcore/metrics", "/_stcore/metrics/", "/maps/_stcore/metrics"])
def test_metrics_are_closed_by_default(monkeypatch, path):
    monkeypatch.delenv("ICS_MAPS_METRICS", raising=False)
    assert _call(path) == (404, [])


def test_metrics_open_for_the_operator_and_other_paths_pass(monkeypatch):
    monkeypatch.delenv("ICS_MAPS_METRICS", raising=False)
    assert _call("/_stcore/health") == (200, ["/_stcore/health"])
    monkeypatch.setenv("ICS_MAPS_METRICS", "1")
    assert _call("/_stcore/metrics") == (200, ["/_stcore/metrics"])


def test_a_failure_is_logged_with_its_reference_and_suppressed(caplog):
    try:
        raise KeyError("no such column")
    except KeyError as exc:
        with caplog.at_level(logging.ERROR, logger="ics_maps.app"):
            assert safety.report_failure(exc) is True
    record = caplog.records[-1]
    assert "page failed (reference " in record.getMessage() and "no such column" in (
        record.getMessage()
    )
    assert record.exc_info is not None
