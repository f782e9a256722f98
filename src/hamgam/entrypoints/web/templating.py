"""The Jinja2 environment of the pages: autoescaping everywhere, gettext from the UI's catalogue, filters for
Persian digits, Toman and Jalali dates, names from Mahak and left-to-right codes (``display``), versioned static
URLs, and block rendering for htmx (jinja2-fragments).
"""

from __future__ import annotations

import hashlib
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, nodes, select_autoescape
from jinja2.compiler import CodeGenerator, Frame
from jinja2.idtracking import VAR_LOAD_RESOLVE
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


#: Messages without fields kept translated: a page shows the same few dozen labels on every request.
TRANSLATED_MESSAGES = 4096


class TemplateGettext:
    """``_``, ``gettext`` and ``ngettext`` of the templates, with the i18n extension's newstyle meaning (the
    translation is markup and always a format string, its ``%(name)s`` fields filled with escaped values) but
    called directly: the extension's own callables look themselves up in the template context and go through it
    three times per message. Every template autoescapes (``build_environment``), so the result is always markup.
    """

    def __init__(self, locale: Locale) -> None:
        self._locale = locale
        self._plain = lru_cache(maxsize=TRANSLATED_MESSAGES)(self._translate)

    def _translate(self, message: str) -> Markup:
        return Markup(self._locale.gettext(message)) % {}

    def gettext(self, message: str, /, **variables: Any) -> Markup:
        if not variables:
            return self._plain(message)
        return Markup(self._locale.gettext(message)) % variables

    def ngettext(self, singular: str, plural: str, n: int, /, **variables: Any) -> Markup:
        variables.setdefault("num", n)
        return Markup(self._locale.ngettext(singular, plural, n)) % variables


#: Names a template's ``x.name`` finds on a dict before its keys (Jinja prefers the attribute).
_DICT_ATTRIBUTES = frozenset(dir(dict))


class PageCodeGenerator(CodeGenerator):
    """Compiles ``_("a label")`` (one literal message, no fields) to its translation, as markup: the environment
    has one locale for its life, so a label need not be looked up again on every request (a product card
    has two or three of them). ``_`` with fields or with a message held in a variable is called as before."""

    environment: PageEnvironment

    def visit_Call(self, node: nodes.Call, frame: Frame, forward_caller: bool = False) -> None:
        if self._is_label(node, frame) and not forward_caller:
            message = cast(nodes.Const, node.args[0]).value
            self.write(f"Markup({str(self.environment.text.gettext(message))!r})")
            return
        super().visit_Call(node, frame, forward_caller=forward_caller)

    @staticmethod
    def _is_label(node: nodes.Call, frame: Frame) -> bool:
        if not (isinstance(node.node, nodes.Name) and node.node.name == "_"):
            return False
        if node.kwargs or node.dyn_args is not None or node.dyn_kwargs is not None or len(node.args) != 1:
            return False
        if not (isinstance(node.args[0], nodes.Const) and isinstance(node.args[0].value, str)):
            return False
        # the global ``_``, not a loop variable or a macro argument of that name
        ref = frame.symbols.find_ref("_")
        return ref is not None and frame.symbols.find_load(ref) == (VAR_LOAD_RESOLVE, "_")


class PageEnvironment(Environment):
    """Jinja's environment with a shorter path for ``row.field`` on a plain dict, the pages' usual data: Jinja
    tries the attribute first and falls back to the key only after an ``AttributeError``, which costs more than
    the lookup itself on every field of every product card. The answer is the same: a plain dict has no
    attribute outside ``dir(dict)``, and those names still go Jinja's way. Its ``_("a label")`` calls are
    compiled to their translation (``PageCodeGenerator``)."""

    code_generator_class = PageCodeGenerator

    def __init__(self, text: TemplateGettext, **options: Any) -> None:
        super().__init__(**options)
        self.text = text

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def build_environment(locale: Locale, image_url: Any) -> Environment:
    text = TemplateGettext(locale)
    env = PageEnvironment(
        text,
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(("html", "xml", "svg"), default_for_string=True, default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    # ``{% trans %}`` blocks compile to newstyle calls of the ``gettext`` and ``ngettext`` globals; the i18n
    # extension adds this attribute at run time, so its type is unknown to mypy.
    env.newstyle_gettext = True  # type: ignore[attr-defined]
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
        "_": text.gettext,
        "gettext": text.gettext,
        "ngettext": text.ngettext,
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
