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
    """Every report of the job as it runs, with the customers other connections could see at that moment."""
    from plugins.customers.importer import customer_rows

    monkeypatch.setattr(customer_rows, "CHUNK", 3)  # several chunks: the bar moves while reading
    admin = login_as("admin")
    job_id = _upload(admin, "name,region,manager\n" + "".join(f"客户{n},beijing,zhang\n" for n in range(10)))
    seen, indexed = [], []
    put = idle_queue.put
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"

    def recording_put(key, value):
        if key == _progress_key(job_id):
            with db.engine.connect() as other:  # not the import's transaction: what is committed
                seen.append((*value, other.scalar(select(func.count()).select_from(Customer))))
            if sqlite:  # the import's own transaction: are its rows indexed for search yet?
                indexed.append((value[2], db.session.scalar(text("SELECT count(*) FROM customers_customer_gram"))))
        return put(key, value)

    monkeypatch.setattr(idle_queue, "put", recording_put)
    execute(app, job_id)
    with app.app_context():
        assert db.session.get(JobRecord, job_id).state == "done"
    *before, last = seen
    assert last[:2] == (1000, 1000) and last[2] == "Imported." and last[3] == 10
    assert all(total == 1000 and done < 1000 and committed == 0 for done, total, _step, committed in before), seen
    assert [done for done, *_rest in seen] == sorted(done for done, *_rest in seen)
    reading = [done for done, _total, step, _c in before if step.startswith("Reading and checking the file")]
    assert reading and max(reading) <= 500  # the database's part is the rest of the bar
    steps = [re.sub(r"^Saving \(\d of \d\): ", "", step) for _d, _t, step, _c in before if step.startswith("Saving")]
    assert steps == ["looking for possible duplicates", "adding the customers", "writing the audit log",
                     *(["indexing for search"] if sqlite else []), "committing"]
    assert before[-1][0] < 1000 and before[-1][2].startswith(f"Saving ({len(steps)} of {len(steps)})")
    if sqlite:  # the grams are written during "indexing for search", before "committing"
        grams = {step.split(": ", 1)[-1]: count for step, count in indexed if step.startswith("Saving")}
        assert grams["indexing for search"] == 0 < grams["committing"], indexed


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
    assert any("adding the customers" in str(label) and pos < 1000 for pos, label in labels), labels
    assert labels[-1][0] == 1000
