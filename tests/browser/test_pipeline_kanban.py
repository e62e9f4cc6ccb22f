"""The pipeline kanban (plugins/marketing/static/kanban.js) in a real browser: drag a card, see the totals follow."""
from decimal import Decimal

from playwright.sync_api import expect
from sqlalchemy import select

from core.api import db
from plugins.basedata import services as basedata
from plugins.marketing.models import Opportunity, Stage, StageChange
from plugins.marketing.seed import ensure_defaults


def _setup(app, manager_id):
    with app.app_context():
        basedata.seed_dictionary()
        ensure_defaults(db.session.connection())
        db.session.commit()
        stages = list(db.session.scalars(select(Stage.id).order_by(Stage.sort_order)))
        opportunity = Opportunity(status="developing", stage_id=stages[0], assignee_id=manager_id, probability=10,
                                  customer_name="北京华信科技有限公司", summary="采购服务器", description="需求明确",
                                  amount=Decimal("1000.00"))
        db.session.add(opportunity)
        db.session.commit()
        return stages, opportunity.id


def _figure(page, key, name):
    return page.text_content(f'[data-column="{key}"] [data-figure="{name}"]').strip()


def test_dragging_a_card_to_another_stage_moves_it_and_updates_the_totals(app, live_server, browser_login):
    page = browser_login("account_manager", width=2200)  # every column in view: the drags need no scrolling
    stages, opportunity_id = _setup(app, page.user_id)
    page.goto(live_server + "/marketing/pipeline")
    first, third = f"stage-{stages[0]}", f"stage-{stages[2]}"
    assert (_figure(page, first, "count"), _figure(page, third, "count")) == ("1", "0")
    page.drag_and_drop(f'article.crm-card[data-id="{opportunity_id}"]', f'[data-drop="{third}"]')
    expect(page.locator(f'[data-column="{third}"] [data-figure="count"]')).to_have_text("1")  # (no eval under the CSP)
    assert page.locator(f'[data-drop="{third}"] article[data-id="{opportunity_id}"]').count() == 1
    assert page.locator(f'article[data-id="{opportunity_id}"]').count() == 1
    assert "50%" in page.text_content(f'article[data-id="{opportunity_id}"]')  # the card shows the new probability
    assert (_figure(page, first, "count"), _figure(page, third, "weighted")) == ("0", "500.00")
    with app.app_context():
        moved = db.session.get(Opportunity, opportunity_id)
        assert (moved.stage_id, moved.probability) == (stages[2], 50)
        assert db.session.scalar(select(StageChange.to_stage_id).where(StageChange.opportunity_id == opportunity_id)) == stages[2]


def test_a_refused_drop_shows_the_message_on_the_card_and_leaves_it(app, live_server, browser_login):
    page = browser_login("account_manager", width=2200)  # every column in view: the drags need no scrolling
    stages, opportunity_id = _setup(app, page.user_id)
    page.goto(live_server + "/marketing/pipeline")
    page.drag_and_drop(f'article.crm-card[data-id="{opportunity_id}"]', '[data-drop="unassigned"]')
    error = page.locator(f'article[data-id="{opportunity_id}"] .crm-card-error')
    error.wait_for(state="visible")
    assert "cannot go back to unassigned" in error.text_content()
    assert page.locator(f'[data-drop="stage-{stages[0]}"] article[data-id="{opportunity_id}"]').count() == 1
    # Dropping on "won" asks for the confirmation on its own page.
    page.drag_and_drop(f'article.crm-card[data-id="{opportunity_id}"]', '[data-drop="won"]')
    page.wait_for_url(f"**/marketing/{opportunity_id}/won")
    assert "Mark this opportunity as won?" in page.content()
    with app.app_context():
        assert db.session.get(Opportunity, opportunity_id).status == "developing"
