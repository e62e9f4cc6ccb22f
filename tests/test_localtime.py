"""core.api's local time helpers follow CRM_TIMEZONE, not the server's or UTC's clock."""
from datetime import datetime, timedelta

from core.api import local_now, local_today, local_timezone, to_local, to_utc, utcnow


def test_local_time_follows_crm_timezone(make_app):
    app = make_app(BABEL_DEFAULT_TIMEZONE="America/New_York")
    with app.app_context():
        assert str(local_timezone()) == "America/New_York"
        assert abs(local_now().replace(tzinfo=None) - to_local(utcnow()).replace(tzinfo=None)) < timedelta(seconds=5)
        assert local_today() == local_now().date()


def test_conversions_round_trip_across_the_date_line(make_app):
    app = make_app(BABEL_DEFAULT_TIMEZONE="Asia/Shanghai")
    with app.app_context():
        stored = datetime(2026, 1, 31, 17, 30)              # naive UTC
        local = to_local(stored)
        assert (local.day, local.hour, local.minute) == (1, 1, 30)  # already February 1st in Beijing
        assert to_utc(local) == stored
        assert to_utc(datetime(2026, 2, 1, 9, 0)) == datetime(2026, 2, 1, 1, 0)  # naive means local
