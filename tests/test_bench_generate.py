"""The benchmark generator writes marketing and service rows the application reads as its own flows' rows,
and ``--add-sales-service`` tops up a database filled before they existed, once."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def generate(*args: str) -> str:
    """``python -m bench.generate ARGS`` from the repository, as the benchmark's README runs it."""
    done = subprocess.run([sys.executable, "-m", "bench.generate", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "bench.db"
    generate("--customers", "600", "--database-url", f"sqlite:///{path}")
    return path


def _rows(path, sql):
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def test_statuses_spread_as_the_flows_leave_them(filled):
    opportunities = dict(_rows(filled, "SELECT status, count(*) FROM marketing_opportunity GROUP BY status"))
    assert set(opportunities) == {"unassigned", "developing", "won", "lost"}
    assert opportunities["won"] + opportunities["lost"] > 0.7 * sum(opportunities.values())
    assert 120 <= sum(opportunities.values()) <= 240  # ~0.3 per customer
    # Every assigned opportunity has a stage change per stage it went through, closed ones one more.
    assert not _rows(filled, """SELECT o.id FROM marketing_opportunity o WHERE o.status != 'unassigned' AND
        (SELECT count(*) FROM marketing_stage_change c WHERE c.opportunity_id = o.id) < 1 +
        (o.status IN ('won', 'lost'))""")
    assert not _rows(filled, "SELECT id FROM marketing_opportunity WHERE (status = 'unassigned') != "
                             "(assignee_id IS NULL) OR (status IN ('won', 'lost')) != (closed_at IS NOT NULL)")
    assert _rows(filled, "SELECT count(*) FROM marketing_plan_item")[0][0] > 0
    requests = dict(_rows(filled, "SELECT status, count(*) FROM service_request GROUP BY status"))
    assert set(requests) == {"new", "assigned", "handled", "archived"}
    assert 220 <= sum(requests.values()) <= 380  # ~0.5 per customer
    # What each status implies: an assignee once assigned, a handled round, satisfaction when archived.
    assert not _rows(filled, """SELECT id FROM service_request WHERE
        (status = 'new') != (assignee_id IS NULL)
        OR (status IN ('handled', 'archived')) != (handled_at IS NOT NULL)
        OR (status = 'archived') != (archived_at IS NOT NULL)
        OR (status = 'archived' AND satisfaction < 3)
        OR (status != 'new' AND (SELECT count(*) FROM service_round r WHERE r.request_id = service_request.id)
            < round - (status = 'assigned'))""")


def test_summaries_and_names_are_in_the_search_indexes(filled):
    """The request summary and opportunity customer name indexes (FTS5 and grams) hold every row written."""
    term = "发票"
    like = _rows(filled, f"SELECT count(*) FROM service_request WHERE summary LIKE '%{term}%'")[0][0]
    grams = _rows(filled, f"SELECT count(*) FROM service_request_gram WHERE gram = '{term}'")[0][0]
    fts = _rows(filled, "SELECT count(*) FROM service_request_fts WHERE service_request_fts MATCH '\"产品0\"'")[0][0]
    assert like and grams == like
    assert fts == _rows(filled, "SELECT count(*) FROM service_request WHERE summary LIKE '%产品0%'")[0][0]
    # and the insert trigger is back: a request written later is found too
    assert _rows(filled, "SELECT count(*) FROM sqlite_master WHERE name = 'service_request_search_insert'")[0][0]
    # likewise the opportunities' customer names
    like = _rows(filled, "SELECT count(*) FROM marketing_opportunity WHERE customer_name LIKE '%华信%'")[0][0]
    assert like == _rows(filled, "SELECT count(*) FROM marketing_opportunity_gram WHERE gram = '华信'")[0][0]
    assert _rows(filled, "SELECT count(*) FROM sqlite_master WHERE name = 'marketing_opportunity_search_insert'")[0][0]


def test_the_summary_tables_hold_what_the_rows_sum_to(filled):
    """The rows bypass the ORM that keeps the summaries; the generator sums them afresh (the benchmark then
    measures reports that read what a real database would hold)."""
    assert _rows(filled, "SELECT month, status, lost_reason, assignee_id, opportunities, amount "
                         "FROM marketing_closed_month ORDER BY 1, 2, 3, 4") == _rows(filled, """
        SELECT date(closed_at, 'start of month') m, status, lost_reason, coalesce(assignee_id, 0) a, count(*),
               sum(coalesce(amount, 0)) FROM marketing_opportunity WHERE status IN ('won', 'lost')
        GROUP BY m, status, lost_reason, a ORDER BY 1, 2, 3, 4""")
    assert _rows(filled, "SELECT sum(requests), sum(archived), sum(satisfaction) FROM service_request_month") == \
        _rows(filled, "SELECT count(*), sum(status = 'archived'), sum(CASE WHEN status = 'archived' THEN "
                      "satisfaction ELSE 0 END) FROM service_request")
    assert _rows(filled, "SELECT month, priority, requests, response_met FROM service_archived_month "
                         "ORDER BY 1, 2") == _rows(filled, """
        SELECT date(archived_at, 'start of month') m, priority, count(*), sum(response_state = 'met')
        FROM service_request WHERE status = 'archived' GROUP BY m, priority ORDER BY 1, 2""")
    assert _rows(filled, "SELECT sum(rounds), sum(satisfaction) FROM service_round_month") == _rows(
        filled, "SELECT count(*), sum(satisfaction) FROM service_round WHERE satisfaction IS NOT NULL")
    assert _rows(filled, "SELECT count(*) FROM marketing_closed_month")[0][0] > 10


def test_adding_again_changes_nothing(filled):
    before = _rows(filled, "SELECT (SELECT count(*) FROM marketing_opportunity), (SELECT count(*) FROM service_request)")
    out = generate("--add-sales-service", "--database-url", f"sqlite:///{filled}")
    assert _rows(filled, "SELECT (SELECT count(*) FROM marketing_opportunity), "
                         "(SELECT count(*) FROM service_request)") == before
    assert "marketing: rows exist already, nothing added" in out and "service: rows exist already" in out


def test_a_database_filled_before_gets_the_rows(filled, tmp_path):
    """A copy emptied of marketing and service rows (as the older generator left it) is topped up."""
    copy = tmp_path / "older.db"
    with sqlite3.connect(filled) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with sqlite3.connect(copy) as conn:
        for table in ("marketing_plan_item", "marketing_stage_change", "marketing_opportunity", "service_round",
                      "service_request"):
            conn.execute(f"DELETE FROM {table}")
    generate("--add-sales-service", "--database-url", f"sqlite:///{copy}")
    assert _rows(copy, "SELECT count(*) FROM marketing_opportunity") == _rows(
        filled, "SELECT count(*) FROM marketing_opportunity")
    assert _rows(copy, "SELECT count(*) FROM service_request_gram") == _rows(
        filled, "SELECT count(*) FROM service_request_gram")


def test_activities_have_owners_and_follow_ups_mostly_done(filled):
    """The follow-up list and the daily reminder read (owner, due date): generated activities have an owner
    (the customer's manager), a third a next step, most of those due by now done."""
    total, owned, planned, done, open_due = _rows(filled, """
        SELECT count(*), count(a.owner_id), count(a.next_step_due), count(a.next_step_done_at),
               sum(a.next_step_due <= date('now') AND a.next_step_done_at IS NULL)
        FROM customers_activity a""")[0]
    assert owned == total and total > 200
    assert 0.2 * total < planned < 0.5 * total and 0 < open_due < done
    assert not _rows(filled, "SELECT 1 FROM customers_activity a JOIN customers_customer c ON c.id = a.customer_id "
                             "WHERE a.owner_id != c.manager_id")
    assert not _rows(filled, "SELECT 1 FROM customers_activity WHERE next_step = '' AND next_step_due IS NOT NULL")
