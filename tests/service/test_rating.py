"""The customer's rating link: valid once, used, expired after 14 days, forged — without logging in."""
import re
import time

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select

from core.api import db
from plugins.service import rating
from plugins.service.models import Round


@pytest.fixture
def handled(app, login_as, add_customer, add_request):
    """A handled request of a manager's customer, and the manager's client."""
    manager = login_as("account_manager")
    customer_id = add_customer(manager_id=manager.user_id)
    request_id = add_request(customer_id, status="assigned", assignee_id=manager.user_id,
                             created_by_id=manager.user_id)
    assert manager.post(f"/service/{request_id}/handle", data={"handle-handling": "更换了网卡",
                                                               "handle-version": 1}).status_code == 302
    return manager, request_id


def _link(client, request_id) -> str:
    page = client.post(f"/service/{request_id}/rating-link").get_data(as_text=True)
    found = re.search(r'value="(http://localhost/service/rate/[^"]+)"', page)
    assert found, page
    return found.group(1).removeprefix("http://localhost")


def test_the_customer_rates_once_without_logging_in(app, handled, load):
    manager, request_id = handled
    path = _link(manager, request_id)
    customer = app.test_client()
    page = customer.get(path).get_data(as_text=True)
    assert "How satisfied are you" in page and "更换了网卡" in page
    assert customer.post(path, data={"satisfaction": "7"}).status_code == 400
    assert load(request_id).status == "handled"
    response = customer.post(path, data={"satisfaction": "4", "result": "很快解决了"})
    assert response.status_code == 200 and "Thank you for your rating." in response.get_data(as_text=True)
    archived = load(request_id)
    assert (archived.status, archived.satisfaction, archived.result) == ("archived", 4, "很快解决了")
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.request_id == request_id))
        assert (round_.by_customer, round_.feedback_by_id, round_.satisfaction) == (True, None, 4)
    # Used: a clear page, nothing changes.
    again = customer.post(path, data={"satisfaction": "1", "result": "x"})
    assert again.status_code == 409 and "already been used" in again.get_data(as_text=True)
    assert customer.get(path).status_code == 409
    assert load(request_id).satisfaction == 4
    assert "the customer (rating link)" in manager.get(f"/service/{request_id}").get_data(as_text=True)


def test_a_low_rating_starts_another_round_and_the_old_link_is_used(app, handled, load):
    manager, request_id = handled
    path = _link(manager, request_id)
    customer = app.test_client()
    customer.post(path, data={"satisfaction": "2", "result": "还是慢"})
    reopened = load(request_id)
    assert (reopened.status, reopened.round) == ("assigned", 2)
    manager.post(f"/service/{request_id}/handle", data={"handle-handling": "再次处理", "handle-version": reopened.version})
    assert customer.get(path).status_code == 409          # the round-1 link cannot rate round 2
    assert customer.get(_link(manager, request_id)).status_code == 200


def test_an_expired_link_changes_nothing(app, handled, load, monkeypatch):
    manager, request_id = handled
    def made_days_ago(days):
        with app.test_request_context(), monkeypatch.context() as patched:
            patched.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - days * 24 * 3600)
            return "/service/rate/" + rating.make_token(load(request_id))

    customer = app.test_client()
    assert customer.get(made_days_ago(13)).status_code == 200
    path = made_days_ago(15)
    response = customer.post(path, data={"satisfaction": "5"})
    assert response.status_code == 410 and "This link has expired" in response.get_data(as_text=True)
    assert load(request_id).status == "handled"


@pytest.mark.parametrize("tamper", [
    lambda path: path[:-2] + ("AA" if not path.endswith("AA") else "BB"),   # signature altered
    lambda path: "/service/rate/" + "x" * 40,                               # made up
    lambda path: "/service/rate/" + "a" * 600,                              # huge
    lambda path: path.replace("/rate/", "/rate/eyJyIjo5OTl9."),             # payload swapped
])
def test_a_forged_link_changes_nothing(app, handled, load, tamper):
    manager, request_id = handled
    path = tamper(_link(manager, request_id))
    customer = app.test_client()
    response = customer.post(path, data={"satisfaction": "5"})
    assert response.status_code == 404 and "not valid" in response.get_data(as_text=True)
    assert load(request_id).status == "handled"


def test_only_those_who_may_give_feedback_get_a_link(app, handled, login_as):
    _manager, request_id = handled
    other = login_as("account_manager")
    assert other.post(f"/service/{request_id}/rating-link").status_code == 404   # not in their scope
    executive = login_as("executive")
    assert executive.post(f"/service/{request_id}/rating-link").status_code == 403
