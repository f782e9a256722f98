"""Markdown that staff type (the footer pages), rendered safely: CommonMark with raw HTML off, so any tag staff
type shows as text and never runs; markdown-it's link check refuses ``javascript:``, ``vbscript:``,
``file:`` and ``data:`` (but images) addresses."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_markdown(source: str | None) -> Markup:
    """HTML of ``source`` (CommonMark; raw HTML escaped), safe to place in a page as is."""
    return Markup(_RENDERER.render(source or ""))
