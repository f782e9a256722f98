"""The Jinja2 environment of the pages: autoescaping everywhere, gettext from the UI's catalogue, filters for
Persian digits, Toman and Jalali dates, names from Mahak and left-to-right codes (``display``), versioned static
URLs, and block rendering for htmx (jinja2-fragments).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from jinja2_fragments import render_block
from markupsafe import Markup

from hamgam.entrypoints.web.display import discount, display_name, ltr, rich_name
from hamgam.entrypoints.web.i18n import Locale
from hamgam.entrypoints.web.labels import Labels
from hamgam.entrypoints.web.markdown import render_markdown

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


@cache
def _static_version(path: str) -> str:
    file = STATIC_DIR / path
    return hashlib.sha256(file.read_bytes()).hexdigest()[:10] if file.is_file() else "0"


def static_url(path: str) -> str:
    """``/static/<path>?v=<content hash>``: the URL changes with the file, so it can be cached for a year."""
    return f"/static/{path}?v={_static_version(path)}"


def query(params: dict[str, Any], **changes: Any) -> str:
    """The query string of ``params`` with ``changes`` applied (None drops a key): for paging and filters."""
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "", False)}
    return "?" + urlencode(merged) if merged else "?"


def build_environment(locale: Locale, image_url: Any) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(("html", "xml", "svg"), default_for_string=True, default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    # The jinja2.ext.i18n extension adds this method at run time, so its type is unknown to mypy.
    env.install_gettext_callables(locale.gettext, locale.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters |= {
        "toman": locale.toman,
        "num": locale.number,
        "digits": locale.digits,
        "jdate": locale.date,
        "jdatetime": locale.datetime,
        "duration": locale.duration,
        "err": locale.error,
        "pname": rich_name,
        "pname_text": display_name,
        "ltr": ltr,
        "markdown": render_markdown,
    } | Labels(locale).filters
    env.globals |= {
        "static_url": static_url,
        "query": query,
        "image_url": image_url,
        "locale": locale,
        "Markup": Markup,
        "discount": discount,
    }
    return env


class Templates:
    def __init__(self, env: Environment) -> None:
        self.env = env

    def render(self, name: str, context: dict[str, Any], block: str | None = None) -> str:
        if block is not None:
            return render_block(self.env, name, block, context)
        return self.env.get_template(name).render(context)
