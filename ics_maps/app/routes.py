"""Unknown paths: a browser asking for a page that does not exist is sent to the app's own
not-found page instead of a blank one.

Why: Streamlit answers every unknown path with its ``index.html``, whose scripts are linked
*relatively* (``./static/js/…``). At ``/system/extra/path`` the browser asks for
``/system/extra/static/js/…``, gets the HTML again, and shows a white page. One level deep
(``/nonexistent``) Streamlit runs the default page behind a generic dialog.
:class:`NotFoundRedirect` (ASGI middleware, given to ``st.App`` in ``app.py``) redirects both to
``/not-found?path=…``, a hidden page that says what went wrong and links to every page.

Only a browser's request for a page (GET or HEAD accepting ``text/html``) is redirected; Streamlit's
own endpoints (``/_stcore``, ``/static``, ``/media``, ``/component``, ``/app/static``, the auth
routes) and anything that looks like a file (a dot in its last segment) pass untouched.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from ics_maps.app.site import NOT_FOUND_URL, url_paths

# First path segments Streamlit serves itself (starlette_app.create_streamlit_routes, 1.67).
STREAMLIT_SEGMENTS = frozenset(
    {"_stcore", "static", "media", "component", "app", "auth", "oauth2callback"}
)
MAX_PATH_CHARS = 200  # an unknown path is quoted back to the user: no longer than this


def not_found_target(path: str, page_paths: Iterable[str], base: str = "") -> str | None:
    """Where a browser asking for page ``path`` should go instead (None: let Streamlit serve it).

    ``page_paths``: the URL paths of the app's pages (the default page is the root); ``base``:
    ``server.baseUrlPath``. ``/system`` and ``/`` are pages; ``/system/extra/path`` and
    ``/nonexistent`` are not, and go to ``/<base>/not-found?path=<the path asked for>``.
    """
    prefix = "/" + base.strip("/") if base.strip("/") else ""
    if prefix and not (path == prefix or path.startswith(prefix + "/")):
        return None
    rest = path[len(prefix) :].strip("/")
    if not rest:
        return None
    parts = rest.split("/")
    if parts[0] in STREAMLIT_SEGMENTS or "." in parts[-1]:
        return None
    if len(parts) == 1 and parts[0] in set(page_paths):
        return None
    asked = path[len(prefix) :][:MAX_PATH_CHARS]
    return f"{prefix}/{NOT_FOUND_URL}?path={quote(asked, safe='/')}"


def _wants_html(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    for key, value in headers:
        if key.lower() == b"accept":
            return b"text/html" in value
    return False


class NotFoundRedirect:
    """ASGI middleware: a browser's request for an unknown page gets a redirect to the not-found
    page (:func:`not_found_target`); everything else goes on to Streamlit."""

    def __init__(self, app, page_paths: Iterable[str] | None = None):
        self.app = app
        self._page_paths = None if page_paths is None else frozenset(page_paths)

    def page_paths(self) -> frozenset[str]:
        if self._page_paths is None:
            self._page_paths = frozenset(url_paths())
        return self._page_paths

    async def __call__(self, scope, receive, send) -> None:
        if (
            scope.get("type") == "http"
            and scope.get("method") in ("GET", "HEAD")
            and _wants_html(scope.get("headers") or ())
        ):
            from streamlit import config

            base = config.get_option("server.baseUrlPath") or ""
            target = not_found_target(scope.get("path", ""), self.page_paths(), base)
            if target is not None:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 307,
                        "headers": [
                            (b"location", target.encode("ascii")),
                            (b"content-length", b"0"),
                            (b"cache-control", b"no-store"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)
