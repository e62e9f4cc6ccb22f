"""One money, date and date-time style per language, everywhere; ISO in CSV files."""
from datetime import date, datetime
from decimal import Decimal

import pytest

from core.api import format_date, format_datetime, format_money, iso


@pytest.mark.parametrize("value, currency, shown", [
    (Decimal("1234567.8"), False, "1,234,567.80"), (Decimal("0"), True, "¥0.00"), (Decimal("-12.345"), True, "-¥12.35"),
    (None, False, ""), ("abc", False, "abc"), (Decimal("NaN"), False, "NaN"), (5, False, "5.00"),
])
def test_one_money_format(value, currency, shown):
    assert format_money(value, currency=currency) == shown


@pytest.mark.parametrize("language, day, moment", [
    ("en", "Nov 29, 2026", "Nov 30, 2026, 00:19"),
    ("zh_CN", "2026年11月29日", "2026年11月30日 00:19"),
])
def test_one_date_and_time_style_per_language_in_the_crm_time_zone(app, language, day, moment):
    headers = {"Accept-Language": "zh-CN" if language == "zh_CN" else "en"}
    with app.test_request_context(headers=headers):
        assert format_date(date(2026, 11, 29)) == day
        assert format_datetime(datetime(2026, 11, 29, 16, 19, 45, 123456)) == moment  # UTC → Asia/Shanghai
        assert format_datetime(datetime(2026, 11, 29, 16, 19), "short") == moment  # named styles give the house one


def test_csv_cells_are_iso():
    assert iso(datetime(2026, 11, 29, 16, 19, 45, 123456)) == "2026-11-29T16:19:45"
    assert iso(date(2026, 11, 29)) == "2026-11-29"


def test_pages_use_the_house_styles(app, login_as):
    from core.api import N_, db, notify

    manager = login_as("account_manager", language="zh_CN")
    with app.test_request_context():
        notify([manager.user_id], N_("Due today"), "/")
        db.session.commit()
    page = manager.get("/notifications/").get_data(as_text=True)
    assert "年" in page and "月" in page and " AM" not in page and " PM" not in page
