"""URL state: every choice a page offers lives in the link, so any view can be shared.

A :class:`Param` declares one URL parameter: its key, how its text becomes a value (``parse``, which
also says what was wrong with a bad value) and back (``to_text``). ``param.widget(st.selectbox,
label, options, ...)`` draws a widget with the widget's own signature and binds its value to the
parameter; ``param.value()`` reads it without a widget.

Why the session keeps the values: Streamlit's page navigation drops the query string and recreates
widgets, so every parameter's value lives in the session (``remembered``). A value in the URL that
differs from the one the app last wrote there (a shared link, ``st.switch_page(...,
query_params=...)``, a test) wins; otherwise the session's value is used. The app writes the current
values back to the URL once, at the end of the run (:meth:`UrlState.flush`): the browser adds a
history entry for every change, so writing parameter by parameter made Back step through
half-written URLs.

:class:`UrlState` works on any ``query_params`` (``keys()``, ``get_all(key)``, ``from_dict(d)``) and
any session mapping, so it is unit-tested with plain fakes; :func:`state` gives Streamlit's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass, replace
from typing import Any

Parse = Callable[[str | None], tuple[Any, str | None]]
_SESSION_KEY = "_ics_url"


class UrlState:
    """The query string and this session's memory of its parameters."""

    def __init__(self, query_params: Any, session: MutableMapping):
        self.query_params = query_params
        self.session = session

    @property
    def memory(self) -> dict:
        """``written`` (what this session last put in the URL; None in a fresh session),
        ``remembered``
        (the current value of every parameter, as URL text), ``warned`` (unknown keys reported)."""
        if _SESSION_KEY not in self.session:
            self.session[_SESSION_KEY] = {"written": None, "remembered": {}, "warned": set()}
        return self.session[_SESSION_KEY]

    def url(self) -> dict[str, str]:
        """The query string as ``key -> value`` (repeated keys joined with commas)."""
        qp = self.query_params
        return {k: ",".join(qp.get_all(k)) for k in qp.keys()}

    def external(self, key: str) -> str | None:
        """The URL's value of ``key`` if this session did not write it (a link, a test, a page
        switch)."""
        url = self.url()
        written = self.memory["written"]
        if key in url and (written is None or url[key] != written.get(key)):
            return url[key]
        return None

    def remembered(self, key: str) -> str | None:
        return self.memory["remembered"].get(key)

    def remember(self, **params: str | None) -> None:
        """Set parameters for the next run or page: they win over the session's current values."""
        self.memory["remembered"].update(params)

    def start_run(self) -> None:
        """A fresh run: no parameter used yet, no URL change pending."""
        self.memory["this_run"] = set()
        self.memory["pending"] = {}

    def pending(self) -> dict[str, str | None]:
        """This run's URL changes (None removes a parameter), written by :meth:`flush` at its
        end."""
        return self.memory.setdefault("pending", {})

    def write(self, key: str, value: str | None) -> None:
        """Record ``key`` (None or "" removes it) for the URL and in the session's memory."""
        m = self.memory
        if m["written"] is None:
            m["written"] = {}
        m.setdefault("this_run", set()).add(key)
        value = value or None
        m["remembered"][key] = value
        if value is None:
            m["written"].pop(key, None)
        else:
            m["written"][key] = value
        self.pending()[key] = value

    def drop_unused(self, keep: Iterable[str]) -> None:
        """Remove parameters this run did not use (another page's, after a page switch), except
        ``keep``."""
        used = self.memory.get("this_run", set()) | set(keep)
        for k in list(self.url()):
            if k not in used:
                self.pending()[k] = None

    def unknown(self, known: Iterable[str], describe: Callable[[str], str]) -> list[str]:
        """Warnings for URL keys not in ``known`` (each reported once per session); they are
        dropped."""
        known = set(known)
        out = []
        for k in list(self.url()):
            if k not in known:
                if k not in self.memory["warned"]:
                    out.append(describe(k))
                    self.memory["warned"].add(k)
                self.pending()[k] = None
        return out

    def flush(self) -> None:
        """Write this run's parameter changes to the URL in one go (one browser history entry at
        most)."""
        pending = self.memory.pop("pending", None) or {}
        url = self.url()
        target = dict(url)
        for k, v in pending.items():
            if v is None:
                target.pop(k, None)
            else:
                target[k] = v
        if target != url:
            self.query_params.from_dict(target)

    def link(self, keep: Iterable[str], **params: str | None) -> dict[str, str]:
        """Query parameters for a link to another page: the remembered ``keep`` ones plus
        ``params``."""
        base = {k: v for k in keep if (v := self.remembered(k))}
        return {**base, **{k: v for k, v in params.items() if v}}


def state() -> UrlState:
    """Streamlit's URL and session state."""
    import streamlit as st

    return UrlState(st.query_params, st.session_state)


@dataclass(frozen=True)
class Param:
    """One URL parameter: ``parse(text)`` gives ``(value, warning or None)`` (text None: the
    default), ``to_text(value)`` the URL text (None leaves the parameter out of the link)."""

    key: str
    parse: Parse
    to_text: Callable[[Any], str | None] = lambda v: None if v in (None, "") else str(v)

    def parsing(self, parse: Parse) -> Param:
        """The same parameter, parsed another way (e.g. against the codes a page offers)."""
        return replace(self, parse=parse)

    def value(self, warnings: list[str] | None = None, url: UrlState | None = None) -> Any:
        """The value in this run: from the link if it set one, else the session's own.

        A bad value from a link adds a warning (to ``warnings``, else on the page); a remembered
        value that no longer fits (another vintage, a narrower filter) falls back quietly.
        """
        url = url or state()
        ext = url.external(self.key)
        if ext is not None:
            value, warning = self.parse(ext)
            if warning:
                _warn(warning, warnings)
            return value
        return self.parse(url.remembered(self.key))[0]

    def widget(
        self,
        widget: Callable[..., Any],
        *args: Any,
        key: str | None = None,
        warnings: list[str] | None = None,
        url: UrlState | None = None,
        **kwargs: Any,
    ) -> Any:
        """Draw ``widget(*args, **kwargs)`` with its value bound to this parameter; return the
        value.

        The value lives in the session, not in the widget, so it survives page switches that
        recreate the widget; the widget's own ``key`` defaults to ``w_<param key>``.
        """
        url = url or state()
        wkey = key or f"w_{self.key}"
        url.session[wkey] = self.value(warnings, url)
        out = widget(*args, key=wkey, on_change=self._changed, args=(url, wkey), **kwargs)
        url.write(self.key, self.to_text(out))
        return out

    def write(self, value: Any, url: UrlState | None = None) -> None:
        """Set the parameter from a value (None removes it from the link)."""
        (url or state()).write(self.key, None if value is None else self.to_text(value))

    def remember(self, value: Any, url: UrlState | None = None) -> None:
        """Make ``value`` the parameter's value for the next read (it wins over the session's)."""
        (url or state()).remember(**{self.key: None if value is None else self.to_text(value)})

    def _changed(self, url: UrlState, wkey: str) -> None:
        """on_change: the user's new value becomes the parameter's value."""
        url.memory["remembered"][self.key] = self.to_text(url.session[wkey])


def _warn(message: str, warnings: list[str] | None) -> None:
    if warnings is not None:
        warnings.append(message)
        return
    import streamlit as st

    st.warning(message, icon=":material/warning:")
