"""The shared macros of templates/macros.html as docs/plugins.md describes them."""
from flask import render_template_string, request
from wtforms import HiddenField, StringField

from core.api import FilterForm

FILTER = '{% from "macros.html" import filter_form %}{{ filter_form(form, export=True) }}'


class Filter(FilterForm):
    q = StringField("Title contains")
    customer = HiddenField()


def test_filter_form_keeps_hidden_fields_and_the_sort(app):
    with app.test_request_context("/?q=x&customer=42&sort=-title"):
        html = render_template_string(FILTER, form=Filter(request.args))
    assert '<input id="customer" name="customer" type="hidden" value="42">' in html
    assert '<input type="hidden" name="sort" value="-title">' in html
    assert 'name="q" type="text" value="x"' in html
    assert "export=csv" in html and "customer=42" in html
