"""core.forms replaces WTForms' html_params with a faster one: the same text for every kind of attribute."""
from markupsafe import Markup
from wtforms.widgets import core as widgets_core

from core import forms

CASES = [
    {},
    {"name": "region", "id": "region", "class_": "form-select form-select-sm"},
    {"value": "", "selected": True, "disabled": False},
    {"value": 'a "quoted" <b>&amp;</b> value', "data_submit_on_change": True, "aria_describedby": "x-error"},
    {"value": Markup('<i title="x">'), "for_": "f", "required": True, "maxlength": 200},
    {"value": None, "data_x_y": 0, "placeholder": "客户名称"},
]


def test_same_text_as_wtforms():
    assert widgets_core.html_params is forms._html_params
    for kwargs in CASES:
        ours, theirs = forms._html_params(**kwargs), forms.wtforms_html_params(**kwargs)
        assert ours == theirs and isinstance(ours, Markup), kwargs
