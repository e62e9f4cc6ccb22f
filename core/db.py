"""The SQLAlchemy handle shared by the core and every plugin."""
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

# Stable constraint names, so that migrations written on SQLite and
# PostgreSQL agree and constraints can be dropped by name later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



class EventSession(FlaskSession):
    """Delivers the domain events queued by ``core.events.emit`` once a commit succeeds.

    Delivery happens after ``commit`` returns rather than in SQLAlchemy's
    ``after_commit`` event, so handlers may query and commit themselves.
    """

    def commit(self) -> None:
        super().commit()
        from core.events import deliver_pending

        deliver_pending(self)


db = SQLAlchemy(
    metadata=MetaData(naming_convention=NAMING_CONVENTION),
    session_options={"class_": EventSession},
)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Foreign keys are off by default in SQLite; WAL lets readers and a writer work at once."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def analyze(*models) -> None:
    """Refresh the database's statistics of the models' tables after bulk work (an import, a scan),
    so the query planner does not guess from stale or missing figures. Commits.

    SQLite samples at most a few thousand rows per index (``analysis_limit``), so
    this stays quick at a million rows, as PostgreSQL's sampling ANALYZE does.
    """
    from sqlalchemy import text

    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("PRAGMA analysis_limit=2000"))
    for model in models:
        db.session.execute(text(f'ANALYZE "{model.__table__.name}"'))
    db.session.commit()
