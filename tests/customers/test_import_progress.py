"""An import's progress bar tells the truth: reading the file fills only its share, each database step is
named, and the bar is full only once the import is committed."""
import io
import re
import uuid

import pytest
from sqlalchemy import func, select, text, update

from core import queue
from core.api import db
from core.jobs.models import RUNNING, JobRecord
from core.jobs.runner import _progress_key, execute
from core.testing import create_user
from plugins.basedata import services as basedata
from plugins.customers.models import Customer


@pytest.fixture(autouse=True)
def seeded(app):
    with app.app_context():
        basedata.seed_dictionary()
    create_user(app, "account_manager", username="zhang")


@pytest.fixture
def idle_queue(app):
    """A queue of its own that no worker reads: the test runs the job itself, or looks at it queued."""
    huey = queue.create({**app.config, "CRM_QUEUE_NAME": f"idle-{uuid.uuid4().hex}"}, app.instance_path)
    queue.register_tasks(huey, app)
    app.extensions["crm_queue"] = huey
    return huey


def _upload(client, content: str) -> str:
    response = client.post("/customers/import/customers", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(content.encode()), "customers.csv")})
    assert response.status_code == 302 and "/jobs/" in response.location, response.status_code
    return response.location.rsplit("/", 1)[1]


def test_the_bar_is_full_only_once_the_import_is_committed(app, login_as, idle_queue, monkeypatch):
    """Every report of the job as it runs, with the customers other connections could see at that moment
    and those the import's own transaction holds: each chunk is saved (and on SQLite indexed for search)
    before the bar moves past it, none is committed before the end."""
    from plugins.customers.importer import customer_rows

    monkeypatch.setattr(customer_rows, "CHUNK", 3)  # several chunks: the bar moves while reading
    admin = login_as("admin")
    job_id = _upload(admin, "name,region,manager\n" + "".join(f"客户{n},beijing,zhang\n" for n in range(10)))
    seen = []
    put = idle_queue.put
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"

    def recording_put(key, value):
        if key == _progress_key(job_id):
            with db.engine.connect() as other:  # not the import's transaction: what is committed
                committed = other.scalar(select(func.count()).select_from(Customer))
            own = db.session.scalar(select(func.count()).select_from(Customer))  # the import's transaction
            indexed = db.session.scalar(text("SELECT count(DISTINCT row_id) FROM customers_customer_gram")) \
                if sqlite else own
            seen.append((*value, committed, own, indexed))
        return put(key, value)

    monkeypatch.setattr(idle_queue, "put", recording_put)
    execute(app, job_id)
    with app.app_context():
        assert db.session.get(JobRecord, job_id).state == "done"
    *before, last = seen
    assert last[:2] == (1000, 1000) and last[2] == "Imported." and last[3] == 10
    assert all(total == 1000 and done < 1000 and committed == 0 for done, total, _step, committed, *_ in before), seen
    assert [done for done, *_rest in seen] == sorted(done for done, *_rest in seen)
    saving = [(int(re.sub(r"\D", "", step)), own, indexed) for _d, _t, step, _c, own, indexed in before
              if step.startswith("Reading, checking and saving the file")]
    assert saving == [(3, 3, 3), (6, 6, 6), (9, 9, 9), (10, 10, 10)], seen
    assert max(done for done, _t, step, *_ in before if step.startswith("Reading")) < 1000
    steps = [step for _d, _t, step, *_ in before if not step.startswith("Reading")]
    assert steps == ["Saving (1 of 1): committing"], seen


def test_a_refused_file_is_read_and_checked_to_its_end(app, login_as, idle_queue, monkeypatch):
    """Once a row has a problem nothing more is saved: the bar says it reads and checks the rest."""
    from plugins.customers.importer import customer_rows

    monkeypatch.setattr(customer_rows, "CHUNK", 3)
    admin = login_as("admin")
    rows = [f"客户{n},beijing,zhang\n" for n in range(10)]
    rows[4] = "客户4,mars,zhang\n"  # line 6, in the second chunk
    job_id = _upload(admin, "name,region,manager\n" + "".join(rows))
    seen, put = [], idle_queue.put

    def recording_put(key, value):
        if key == _progress_key(job_id):
            seen.append((value[2], db.session.scalar(select(func.count()).select_from(Customer))))
        return put(key, value)

    monkeypatch.setattr(idle_queue, "put", recording_put)
    execute(app, job_id)
    with app.app_context():
        assert db.session.get(JobRecord, job_id).state == "failed"
        assert db.session.scalar(select(func.count()).select_from(Customer)) == 0
    assert [(step.split(":")[0], own) for step, own in seen] == [
        ("Reading, checking and saving the file", 3), *[("Reading and checking the file", 3)] * 3], seen


def test_the_job_page_names_the_step_instead_of_counting(app, login_as, idle_queue):
    admin = login_as("admin")
    job_id = _upload(admin, "name,region,manager\n客户,beijing,zhang\n")
    with app.app_context():
        db.session.execute(update(JobRecord).where(JobRecord.id == job_id).values(state=RUNNING))
        db.session.commit()
    idle_queue.put(_progress_key(job_id), [450, 1000, "Saving (2 of 4): adding the customers"])
    state = admin.get(f"/jobs/{job_id}/state").get_json()
    assert (state["percent"], state["step"]) == (45, "Saving (2 of 4): adding the customers")
    page = admin.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Saving (2 of 4): adding the customers" in page and "450 of 1000" not in page
    assert 'aria-valuenow="45"' in page


def test_the_command_line_bar_follows_the_steps(app, tmp_path, monkeypatch):
    """``crm import customers`` shows the same steps as its bar's label."""
    from click._termui_impl import ProgressBar

    labels = []
    real_render = ProgressBar.render_progress

    def render(bar):
        labels.append((bar.pos, bar.label))
        return real_render(bar)

    monkeypatch.setattr(ProgressBar, "render_progress", render)
    path = tmp_path / "customers.csv"
    path.write_text("name,region,manager\n客户,beijing,zhang\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import", "customers", str(path)])
    assert result.exit_code == 0, result.output
    assert any("checking and saving the file" in str(label) and pos < 1000 for pos, label in labels), labels
    assert labels[-1][0] == 1000
