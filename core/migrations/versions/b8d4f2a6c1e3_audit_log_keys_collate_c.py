"""PostgreSQL: the audit log's table name and record id compared byte by byte (COLLATE "C")

Each entry goes into the (table_name, record_id) index, whose every comparison went through strcoll in
a C.UTF-8 database (see core.models.code_string); bulk work writes one entry per record. The index is
rebuilt and the table's statistics gathered again. Nothing to do on SQLite.

Revision ID: b8d4f2a6c1e3
Revises: a7c3e5f1d9b2
Create Date: 2026-11-30 07:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'b8d4f2a6c1e3'
down_revision = 'a7c3e5f1d9b2'
branch_labels = None
depends_on = None

TABLE = "core_audit_log"


def _collate(collation: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # ALTER TYPE drops the columns' statistics: gathered again if the table had any (not on a new
    # database, whose planner keeps assuming an unanalysed table's size)
    analysed = bind.execute(sa.text("SELECT reltuples > 0 FROM pg_class WHERE oid = CAST(:name AS regclass)"),
                            {"name": TABLE}).scalar()
    op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN table_name TYPE varchar(64){collation}, "
               f"ALTER COLUMN record_id TYPE varchar(64){collation}")
    if analysed:
        op.execute(f"ANALYZE {TABLE}")


def upgrade():
    _collate(' COLLATE "C"')


def downgrade():
    _collate("")
