"""The pages' template environment (no database): labels compiled to their translation, messages with fields
filled with escaped values, and ``row.field`` on a dict read as Jinja reads it."""

from __future__ import annotations

from jinja2 import Environment

from hamgam.entrypoints.web.i18n import build_locale
from hamgam.entrypoints.web.templating import build_environment


def _persian() -> Environment:
    return build_environment(build_locale("fa"), image_url=None)


def test_render_label_is_compiled_to_its_translation() -> None:
    # given
    env = _persian()
    source = '{{ _("In stock") }} {{ _("100%% sure") }}'
    # when
    code = env.compile(source, raw=True)
    # then
    assert "Markup('موجود')" in code
    assert "_gettext" not in code
    assert env.from_string(source).render() == "موجود 100% sure"


def test_render_message_with_fields_escapes_the_values() -> None:
    # given
    env = _persian()
    # when
    shown = env.from_string('{{ _("%(n)s products", n=n) }}').render(n="<b>۳</b>")
    # then
    assert shown == "&lt;b&gt;۳&lt;/b&gt; کالا"


def test_render_message_in_a_variable_is_translated_at_run_time() -> None:
    # given
    env = _persian()
    # when
    shown = env.from_string("{% for m in messages %}{{ _(m) }};{% endfor %}").render(messages=["In stock", "Nope"])
    # then
    assert shown == "موجود;Nope;"


def test_render_underscore_bound_in_the_template_is_not_a_label() -> None:
    # given
    env = _persian()
    # when
    shown = env.from_string('{% macro m(_) %}{{ _("In stock") }}{% endmacro %}{{ m(f) }}').render(f=str.upper)
    # then
    assert shown == "IN STOCK"


def test_render_dict_fields_and_dict_methods_read_as_jinja_reads_them() -> None:
    # given
    source = (
        "{{ row.name }}|{{ row.items()|list|length }}|{{ row['items']|length }}|{{ row.nope }}|{{ row.get('name') }}"
    )
    row = {"name": "قلم", "items": [1, 2, 3], "get": "x"}
    # when
    shown = _persian().from_string(source).render(row=row)
    # then
    assert shown == "قلم|3|3||قلم"
    assert shown == Environment(autoescape=True).from_string(source).render(row=row)
