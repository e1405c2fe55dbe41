"""Small HTML builders. Each takes plain text and escapes it; ``Markup`` (markupsafe's, the
escaping Jinja uses) marks a fragment that is already safe HTML, built here from escaped parts,
so nothing is escaped twice or not at all; concatenating a plain string to it escapes that
string too."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from markupsafe import Markup, escape

from stackpick.report.svg import esc

__all__ = ["Markup", "h", "join", "link", "section", "table", "tag", "ul"]


def h(value: Any) -> Markup:
    """Escaped text, or the fragment unchanged when it is already :class:`Markup`."""
    return escape("" if value is None else value)


def tag(name: str, body: Any = "", cls: str = "", **attrs: str) -> Markup:
    """``<name class=...>body</name>`` with escaped attributes."""
    attr = "".join(f' {k.rstrip("_").replace("_", "-")}="{esc(v)}"' for k, v in attrs.items())
    klass = f' class="{esc(cls)}"' if cls else ""
    return Markup(f"<{name}{klass}{attr}>{h(body)}</{name}>")


def join(parts: Iterable[Any], sep: str = "") -> Markup:
    return Markup(sep.join(h(p) for p in parts))


def ul(items: Iterable[Any], cls: str = "") -> Markup:
    items = list(items)
    return tag("ul", join(tag("li", i) for i in items), cls) if items else Markup("")


def link(text: Any, url: str | None) -> Markup:
    """A link only for http(s) URLs (checked by the caller); plain text otherwise."""
    if not url:
        return Markup(h(text))
    return tag("a", text, href=url, rel="noopener noreferrer")


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Sequence[int] = (),
          caption: str = "", cls: str = "") -> Markup:
    """A table; columns listed in ``numeric`` align right (tabular figures)."""
    head = tag("tr", join(tag("th", x, "num" if i in numeric else "", scope="col")
                          for i, x in enumerate(headers)))
    body = join(tag("tr", join(tag("td", x, "num" if i in numeric else "")
                               for i, x in enumerate(r))) for r in rows)
    cap = tag("caption", caption) if caption else ""
    return tag("div", tag("table", join([cap, tag("thead", head), tag("tbody", body)]), cls),
               "table-wrap")


def dl(pairs: Iterable[tuple[Any, Any]]) -> Markup:
    return tag("dl", join(join([tag("dt", k), tag("dd", v)]) for k, v in pairs), "facts")


def section(id_: str, title: str, body: Any, intro: str = "") -> Markup:
    lead = tag("p", intro, "intro") if intro else ""
    return tag("section", join([tag("h2", title), lead, body]), id=id_)


def badge(status: str) -> Markup:
    kind = "ok" if status == "ok" else "warn" if status in ("unavailable", "unsupported") else "bad"
    return tag("span", status, f"badge {kind}")


def plain(value: Any) -> str:
    """A profile or fingerprint value as one line of text."""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {plain(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list | tuple):
        return ", ".join(plain(v) for v in value) or "-"
    return "-" if value in (None, "") else str(value)
