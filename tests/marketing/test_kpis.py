"""Marketing's key figures on the dashboard: weighted open pipeline and win rate, within data scope."""
import re
from datetime import datetime

from core.api import utcnow


def _tile(page: str, label: str) -> str:
    """The text of the KPI tile labelled ``label``."""
    tiles = page.split('crm-kpi"')[1:]
    tile = next(tile for tile in tiles if label in tile)
    tile = tile[:tile.index("</a>") if "</a>" in tile else None]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", tile.split(">", 1)[1])).strip()


def test_pipeline_and_win_rate_tiles(login_as, add_opportunity, stage_ids):
    li = login_as("account_manager", display_name="Li Ming")
    zhang = login_as("account_manager", display_name="Zhang Wei")
    closed = datetime(utcnow().year, 1, 2)
    add_opportunity("developing", stage_ids[0], li.user_id, amount="1000.00", probability=10)
    add_opportunity("developing", stage_ids[2], zhang.user_id, amount="2000.00", probability=50)
    add_opportunity("won", stage_ids[3], li.user_id, amount="500.00", probability=100, closed_at=closed)
    add_opportunity("lost", stage_ids[1], li.user_id, amount="500.00", probability=0, closed_at=closed,
                    lost_reason="price")
    add_opportunity("lost", stage_ids[1], zhang.user_id, amount="500.00", probability=0, closed_at=closed,
                    lost_reason="price")
    add_opportunity("won", stage_ids[3], zhang.user_id, amount="500.00", probability=100,
                    closed_at=datetime(utcnow().year - 1, 6, 1))

    mine = li.get("/").get_data(as_text=True)
    assert _tile(mine, "Open pipeline, weighted") == \
        "Open pipeline, weighted 100 of 1,000 expected Your opportunities"
    assert _tile(mine, "Win rate") == f"Win rate {utcnow().year} 50.0 % 1 won of 2 closed Your opportunities"
    team = login_as("sales_director").get("/").get_data(as_text=True)
    assert "1,100 of 3,000 expected Whole team" in _tile(team, "Open pipeline, weighted")
    assert "33.3 % 1 won of 3 closed Whole team" in _tile(team, "Win rate")
    assert f"/reports/marketing.win_rate?year={utcnow().year}" in team and 'href="/marketing/pipeline"' in team
    assert "Win rate" not in login_as(permissions=["core.dashboard.view"]).get("/").get_data(as_text=True)


def test_an_account_managers_figures_take_each_of_their_opportunities_once(login_as, add_opportunity, stage_ids):
    """Their opportunities are those assigned to them or created by them (read arm after arm): one in both
    arms counts once, one in either counts."""
    li = login_as("account_manager", display_name="Li Ming")
    zhang = login_as("account_manager", display_name="Zhang Wei")
    closed = datetime(utcnow().year, 1, 2)
    for assignee, creator, status, amount in [(li, li, "developing", "1000.00"),  # both arms
                                              (zhang, li, "developing", "3000.00"),  # created by them
                                              (li, zhang, "won", "500.00"),  # assigned to them
                                              (zhang, li, "lost", "500.00"),  # created by them
                                              (li, li, "lost", "500.00"),  # both
                                              (zhang, zhang, "won", "700.00")]:  # not theirs
        add_opportunity(status, stage_ids[1], assignee.user_id, created_by_id=creator.user_id, amount=amount,
                        probability=50 if status == "developing" else (100 if status == "won" else 0),
                        closed_at=closed if status != "developing" else None,
                        lost_reason="price" if status == "lost" else None)
    mine = li.get("/").get_data(as_text=True)
    assert "2,000 of 4,000 expected" in _tile(mine, "Open pipeline, weighted")
    assert "33.3 % 1 won of 3 closed" in _tile(mine, "Win rate")
