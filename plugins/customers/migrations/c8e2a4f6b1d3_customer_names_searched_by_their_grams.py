"""PostgreSQL: customer names of three characters or more are searched through the grams index

A longer term is looked for by the pairs of its characters in the names' grams index
(``TextIndex(long_by_grams=True)``, core/text_search.py), then checked with ILIKE, so the
trigram index of the name serves no query any more; every inserted customer kept it (a
100,000-row import, 10k database: 0.6 s of PostgreSQL's 6.6 s of CPU). Dropped here. Nothing to
do on SQLite, whose FTS5 table and gram table are unchanged.

Revision ID: c8e2a4f6b1d3
Revises: b9d4f2a6c8e1
Create Date: 2026-11-30 14:30:00
"""
from alembic import op

revision = 'c8e2a4f6b1d3'
down_revision = 'b9d4f2a6c8e1'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP INDEX IF EXISTS ix_customers_customer_name_trgm")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("CREATE INDEX IF NOT EXISTS ix_customers_customer_name_trgm ON customers_customer "
               "USING gin (name gin_trgm_ops)")
