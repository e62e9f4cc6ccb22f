"""``crm init`` seeds the dictionary; ``crm init --demo`` adds products and stock once."""
from sqlalchemy import func, select

from core.api import db
from plugins.basedata.models import DictionaryEntry, Product, Stock


def counts(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (DictionaryEntry, Product, Stock))


def test_init_demo_twice_adds_nothing_the_second_time(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init", "--demo"])
    assert result.exit_code == 0, result.output
    first = counts(app)
    assert first[0] == 44 and first[1] >= 10 and first[2] >= 20
    with app.app_context():
        warehouses = db.session.scalar(select(func.count(func.distinct(Stock.warehouse))))
        assert warehouses >= 3
        assert all(p.model and p.batch and p.price > 0 for p in db.session.scalars(select(Product)))
    assert runner.invoke(args=["init", "--demo"]).exit_code == 0
    assert counts(app) == first


def test_init_without_demo_has_the_dictionary(app):
    with app.app_context():
        db.session.execute(DictionaryEntry.__table__.delete())
        db.session.commit()
    # A fresh database gets the entries from the migration's data step, which `seed_dictionary` repeats.
    from plugins.basedata.seed import ensure_dictionary

    with app.app_context():
        assert ensure_dictionary(db.session.connection()) == 44
        db.session.commit()
    assert counts(app)[0] == 44
