"""The job queue for real: a worker process runs exports; job pages, ownership, periodic jobs with two workers."""
import csv
import io
import re
import time
import uuid
from datetime import datetime

from sqlalchemy import func, select

from core import queue
from core.api import User, db
from core.jobs.models import DONE, FAILED, QUEUED, JobRecord
from core.testing import start_worker, stop_worker, wait_for_job


def _export_users(client):
    response = client.get("/admin/users?export=csv&sort=username")
    assert response.status_code == 302, response.status_code
    match = re.fullmatch(r".*/jobs/([0-9a-f]{32})", response.headers["Location"])
    assert match, response.headers["Location"]
    return f"/jobs/{match.group(1)}"


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _use_queue(app, name: str):
    """Point ``app`` at the queue ``name`` (of the session's queue server)."""
    huey = queue.create({**app.config, "CRM_QUEUE_NAME": name}, app.instance_path)
    queue.register_tasks(huey, app)
    app.extensions["crm_queue"] = huey
    return huey


def test_a_queued_job_shows_a_progress_bar_the_page_script_moves(app, login_as):
    """No worker runs here: the export stays queued, so its page is seen before it ends."""
    app.config["CRM_DIRECT_EXPORT_ROWS"] = 3
    # a queue of its own: the session's worker (started by any earlier test using ``worker``,
    # e.g. the customer imports') would otherwise take the job before the page is read
    _use_queue(app, f"idle-{uuid.uuid4().hex}")
    admin = login_as("admin")
    for _ in range(6):
        login_as("account_manager")
    page = admin.get(_export_users(admin)).get_data(as_text=True)
    assert "data-job-state" in page and "data-job-bar" in page and "progress-bar" in page
    assert "Waiting for a worker" in page


def test_a_long_export_runs_on_a_worker_and_ends_with_a_complete_download(app, login_as, worker):
    app.config["CRM_DIRECT_EXPORT_ROWS"] = 3
    admin = login_as("admin")
    for _ in range(6):
        login_as("account_manager")
    job_url = _export_users(admin)
    assert admin.get(job_url).status_code == 200  # running, or already done: the worker does not wait for us
    state = wait_for_job(admin, job_url)
    assert state["state"] == DONE, state
    assert state["percent"] == 100
    done_page = admin.get(job_url).get_data(as_text=True)
    assert state["download_url"] in done_page and "rows exported" in done_page
    download = admin.get(state["download_url"])
    assert download.status_code == 200
    assert download.headers["Cache-Control"] == "no-store"
    assert "attachment" in download.headers["Content-Disposition"]
    rows = _rows(download.data)
    with app.app_context():
        users = db.session.scalar(select(func.count()).select_from(User))
    assert len(rows) == 1 + users  # complete: header and every user, verified by count
    assert [row[0] for row in rows[1:]] == sorted(row[0] for row in rows[1:])  # the list's sort order


def test_a_short_export_still_streams_in_the_request(login_as):
    admin = login_as("admin")
    response = admin.get("/admin/users?export=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"


def test_jobs_are_private_and_unknown_ids_are_404(app, login_as, worker):
    app.config["CRM_DIRECT_EXPORT_ROWS"] = 1
    admin = login_as("admin")
    login_as("account_manager")
    job_url = _export_users(admin)
    state = wait_for_job(admin, job_url)
    other_admin = login_as("admin")
    for path in (job_url, job_url + "/state", state["download_url"]):
        assert other_admin.get(path).status_code == 404
        assert admin.get(path).status_code == 200
    for path in (f"/jobs/{uuid.uuid4().hex}", f"/jobs/{uuid.uuid4().hex}/state",
                 f"/jobs/{uuid.uuid4().hex}/download", "/jobs/" + "x" * 5000):
        assert admin.get(path).status_code == 404


def test_the_same_export_asked_again_while_it_waits_reuses_the_job(app, login_as):
    """No worker takes from this queue: the first job stays queued, so the second request must find it."""
    app.config["CRM_DIRECT_EXPORT_ROWS"] = 1
    huey = _use_queue(app, f"idle-{uuid.uuid4().hex}")
    admin = login_as("admin")
    login_as("account_manager")
    first, second = _export_users(admin), _export_users(admin)
    assert first == second
    other_filter = admin.get("/admin/users?export=csv&sort=-username")
    assert other_filter.headers["Location"].split("/")[-1] != first.split("/")[-1]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(JobRecord)) == 2
    for _ in range(3):  # a bounded number of jobs waits per user
        admin.get(f"/admin/users?export=csv&username={uuid.uuid4().hex[:6]}")
    refused = admin.get("/admin/users?export=csv&sort=display_name", follow_redirects=True)
    assert b"jobs waiting or running" in refused.data
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(JobRecord)) == 3
    huey.storage.flush_all()


def test_a_failed_job_says_why_and_leaves_no_file(app, login_as, worker):
    """The user lost the export permission before the worker ran the job."""
    user = login_as(permissions=["core.job.view"])
    job_id = uuid.uuid4().hex
    with app.app_context():
        db.session.add(JobRecord(id=job_id, name="list-export", title="Export users.csv", user_id=user.user_id,
                                 path="/admin/users?export=csv", state=QUEUED))
        db.session.commit()
        app.extensions["crm_queue"].crm_run(job_id)
    state = wait_for_job(user, f"/jobs/{job_id}")
    assert state["state"] == FAILED and state["download_url"] is None
    assert "no longer export" in state["message"]
    assert "no longer export" in user.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert user.get(f"/jobs/{job_id}/download").status_code == 404


def test_a_periodic_job_runs_once_per_schedule_with_two_workers(app, migrated_database):
    name = f"periodic-{uuid.uuid4().hex[:8]}"
    huey = _use_queue(app, name)
    workers = [start_worker(migrated_database, CRM_QUEUE_NAME=name) for _ in range(2)]
    try:
        minutes = ["2026-01-01T18:00:00", "2026-01-02T18:00:00"]
        for minute in minutes:
            for _ in range(2):  # what the two workers' schedulers enqueue in the same minute
                queue.enqueue_periodic(huey, "jobs-cleanup", minute)
        deadline = time.monotonic() + 120
        while huey.pending_count() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert huey.pending_count() == 0
        assert all(worker.poll() is None for worker in workers)  # both were alive to take them
    finally:
        for worker in workers:
            stop_worker(worker)  # gracefully: the jobs they took have finished
        huey.storage.flush_all()
    with app.app_context():
        runs = db.session.execute(select(JobRecord.key, JobRecord.state).where(JobRecord.name == "jobs-cleanup"))
        assert sorted(runs) == [(f"periodic:{minute}", DONE) for minute in minutes]


def test_schedules_are_read_in_the_crm_time_zone_and_enqueued_with_their_minute(make_app):
    app = make_app(BABEL_DEFAULT_TIMEZONE="Asia/Shanghai")
    huey = app.extensions["crm_queue"]
    two_am_in_shanghai = datetime(2026, 3, 1, 18, 0, 30)  # UTC
    tasks = huey.read_periodic(two_am_in_shanghai)
    names = sorted(type(task).__name__ for task in tasks)
    assert "crm.periodic.churn-scan" in names or "churn-scan" in " ".join(names)
    assert all(task.args == ("2026-03-01T18:00:00",) for task in tasks)
    assert not [t for t in huey.read_periodic(datetime(2026, 3, 1, 2, 0)) if "churn" in type(t).__name__]


def test_an_export_that_breaks_off_leaves_no_file_only_the_reason(app, login_as, monkeypatch):
    """Complete or absent: the rows written before a failure are never offered as a download.

    The job runs here, in this process (an idle queue: no worker takes it), and the row that
    brings its cells to ten (the second or a later row) fails as a full disk would."""
    from core import listing
    from core.jobs import files, runner

    app.config["CRM_DIRECT_EXPORT_ROWS"] = 1
    _use_queue(app, f"idle-{uuid.uuid4().hex}")
    admin = login_as("admin")
    for _ in range(6):
        login_as("account_manager")
    job_url = _export_users(admin)
    written = []

    def failing_cells(row):
        written.extend(row)
        if len(written) >= 10:
            raise OSError(28, "No space left on device")
        return row

    monkeypatch.setattr(listing, "_safe_cells", failing_cells)
    runner.execute(app, job_url.rsplit("/", 1)[1])
    state = admin.get(job_url + "/state").get_json()
    assert state["state"] == FAILED and state["download_url"] is None and "OSError" in state["message"]
    assert admin.get(job_url + "/download").status_code == 404
    with app.app_context():
        assert not files.job_folder(job_url.rsplit("/", 1)[1]).exists()  # the partial file is gone too


def test_a_job_whose_worker_died_is_started_again_a_living_one_is_reused(app, login_as):
    """No worker takes from this queue; the first job is made to look claimed ten minutes ago."""
    from datetime import timedelta

    from core.api import utcnow
    from core.jobs.runner import RUNNING, _alive_key

    app.config["CRM_DIRECT_EXPORT_ROWS"] = 1
    huey = _use_queue(app, f"idle-{uuid.uuid4().hex}")
    admin = login_as("admin")
    login_as("account_manager")  # two users: more than the request streams itself
    first = _export_users(admin)
    first_id = first.rsplit("/", 1)[-1]
    with app.app_context():
        db.session.get(JobRecord, first_id).state = RUNNING
        db.session.get(JobRecord, first_id).started_at = utcnow() - timedelta(minutes=10)
        db.session.commit()
    huey.put(_alive_key(first_id), time.time())       # its worker is alive: the same job
    assert _export_users(admin) == first
    huey.delete(_alive_key(first_id))                   # its worker died: silent since
    second = _export_users(admin)
    assert second != first
    with app.app_context():
        dead = db.session.get(JobRecord, first_id)
        assert dead.state == FAILED and "stopped" in dead.message
        assert db.session.get(JobRecord, second.rsplit("/", 1)[-1]).state == QUEUED
    huey.storage.flush_all()
