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
    assert widgets_core.Input.html_params is forms._html_params  # text, date, number, hidden inputs
    assert widgets_core.SubmitInput.html_params is forms._html_params
    for kwargs in CASES:
        ours, theirs = forms._html_params(**kwargs), forms.wtforms_html_params(**kwargs)
        assert ours == theirs and isinstance(ours, Markup), kwargs


def test_selects_render_the_same_text_as_wtforms():
    """core.forms renders plain selects itself (faster); the text is WTForms' own for every kind of choice."""
    from wtforms import Form, SelectField, SelectMultipleField
    from wtforms.fields.choices import SelectChoice

    class Choices(Form):
        plain = SelectField(choices=[("", "—"), ("x", "X & <y>"), ('q"', Markup("<b>b</b>")), ("e", "")])
        numbers = SelectMultipleField(choices=[(1, "一"), (2, "二"), (3, "三")], coerce=int)
        groups = SelectField(choices=[SelectChoice("bj", "北京", optgroup="华北"), SelectChoice("sh", "上海", optgroup="华东")])
        attributes = SelectField(choices=[("a", "A", {"disabled": True}), ("b", "B", {})])
        truth = SelectField(choices=[(True, "yes"), (False, "no")], coerce=lambda value: value)
        empty = SelectField(choices=[])

    form = Choices(data={"plain": "x", "numbers": [2, 3], "groups": "sh", "attributes": "b", "truth": False})
    for field in form:
        for kwargs in ({}, {"class_": "form-select", "data_submit_on_change": True}):
            ours, theirs = field(**kwargs), forms.wtforms_select(field.widget, field, **kwargs)
            assert ours == theirs and isinstance(ours, Markup), field.name
    assert widgets_core.Select.__call__ is forms._select
