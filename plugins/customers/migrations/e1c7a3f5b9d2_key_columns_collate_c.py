"""PostgreSQL: the customers' keys and codes compared byte by byte (COLLATE "C")

A database whose collation is C.UTF-8 compares text through strcoll in each descent of every B-tree; 14
of the customer table's indexes hold a number, a dictionary value, the status or a duplicate key, so an
import paid it ~14 times per row (see core.models.code_string). C.UTF-8 orders by code point as "C"
orders UTF-8 bytes: lists sort the same. The indexes on these columns are rebuilt (~1 min at a million
customers) and their statistics gathered again (ALTER TYPE drops them). Nothing to do on SQLite.

Revision ID: e1c7a3f5b9d2
Revises: 75aaf6caeb92
Create Date: 2026-11-30 07:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'e1c7a3f5b9d2'
down_revision = '75aaf6caeb92'
branch_labels = None
depends_on = None

TABLE = "customers_customer"
COLUMNS = {"number": 20, "name_sort": 400, "region": 40, "level": 40, "satisfaction": 40, "credit": 40,
           "status": 10, "name_key": 200, "phone_key": 30}


def _collate(collation: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # ALTER TYPE drops the columns' statistics: gathered again if the table had any (not on a new
    # database, whose planner keeps assuming an unanalysed table's size)
    analysed = bind.execute(sa.text("SELECT reltuples > 0 FROM pg_class WHERE oid = CAST(:name AS regclass)"),
                            {"name": TABLE}).scalar()
    clauses = ", ".join(f"ALTER COLUMN {name} TYPE varchar({length}){collation}" for name, length in COLUMNS.items())
    op.execute(f"ALTER TABLE {TABLE} {clauses}")
    if analysed:
        op.execute(f"ANALYZE {TABLE}")


def upgrade():
    _collate(' COLLATE "C"')


def downgrade():
    _collate("")
