"""The customer picker field other plugins put on their forms, used through a test plugin's page."""
import pytest
from flask import Blueprint, render_template_string
from flask_wtf import FlaskForm
from wtforms.validators import InputRequired

from core.api import hookimpl, require_permission
from plugins.customers import services as customers

blueprint = Blueprint("picky", __name__)


class TicketForm(FlaskForm):
    customer_id = customers.CustomerField("Customer", [InputRequired()])


@blueprint.route("/ticket", methods=["GET", "POST"])
@require_permission("customers.customer.view")
def ticket():
    form = TicketForm()
    if form.validate_on_submit():
        return f"customer {form.customer_id.data}"
    return render_template_string("{{ form.customer_id() }}|{{ form.customer_id.errors|join(';') }}", form=form)


class Picky:
    name = "picky"

    @hookimpl
    def register_blueprints(self):
        return [blueprint]


@pytest.fixture
def app(make_app):
    return make_app(extra_plugins=[Picky()])


@pytest.fixture
def people(login_as, add_customer):
    mine = login_as("account_manager")
    other = login_as("account_manager")
    ids = {
        "mine": add_customer(mine.user_id, name="北京华信科技有限公司", number="KH2026010100001"),
        "theirs": add_customer(other.user_id, name="上海宏达贸易有限公司", number="KH2026010100002"),
        "twin1": add_customer(mine.user_id, name="广州同名有限公司", number="KH2026010100003"),
        "twin2": add_customer(mine.user_id, name="广州同名有限公司", number="KH2026010100004"),
    }
    return mine, other, ids


def post(client, text):
    return client.post("/picky/ticket", data={"customer_id": text}).get_data(as_text=True)


@pytest.mark.parametrize("text", ["北京华信科技有限公司", "KH2026010100001", "kh2026010100001",
                                  "北京华信科技有限公司 (KH2026010100001)", "  北京华信科技有限公司  "])
def test_a_name_a_number_or_a_suggestion_label_resolves_to_the_customer(people, text):
    mine, _, ids = people
    assert post(mine, text) == f"customer {ids['mine']}"


def test_another_managers_customer_is_not_found_by_name_or_number(people):
    mine, other, ids = people
    for text in ("上海宏达贸易有限公司", "KH2026010100002", "上海宏达贸易有限公司 (KH2026010100002)"):
        assert "No customer you can see has this name or number." in post(mine, text)
    assert post(other, "KH2026010100002") == f"customer {ids['theirs']}"


def test_a_shared_name_asks_for_the_number(people):
    mine, _, ids = people
    assert "Several customers have this name" in post(mine, "广州同名有限公司")
    assert post(mine, "广州同名有限公司 (KH2026010100004)") == f"customer {ids['twin2']}"


@pytest.mark.parametrize("text", ["", "   ", "nosuch", "%", "_", "x" * 10_000, "华信\x00", "<script>alert(1)</script>"])
def test_empty_unknown_or_hostile_text_is_refused_beside_the_field(people, text):
    mine, _, _ = people
    body = post(mine, text)
    assert not body.startswith("customer")
    assert "<script>alert" not in body


def test_the_field_offers_suggestions_from_the_scope_aware_search(people):
    mine, _, _ = people
    page = mine.get("/picky/ticket").get_data(as_text=True)
    assert 'data-suggest-url="/customers/search.json"' in page and 'list="customer_id-options"' in page
    suggestions = mine.get("/customers/search.json?q=有限公司").get_json()
    assert {s["label"] for s in suggestions} == {"北京华信科技有限公司 (KH2026010100001)",
                                                 "广州同名有限公司 (KH2026010100003)",
                                                 "广州同名有限公司 (KH2026010100004)"}
