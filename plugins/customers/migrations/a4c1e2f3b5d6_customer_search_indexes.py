"""customer and contact search indexes

Trigrams for terms of three characters or more, grams of the name for one or
two (see core/text_search.py for why): on SQLite FTS5 trigram tables, gram
tables and the triggers keeping them; on PostgreSQL trigram GIN indexes and a
GIN index on the name's grams. Rows already there are indexed.

Revision ID: a4c1e2f3b5d6
Revises: f9e597bbfb45
Create Date: 2026-11-29 16:30:00
"""
from alembic import op

from core.api import TextIndex

revision = 'a4c1e2f3b5d6'
down_revision = 'f9e597bbfb45'
branch_labels = None
depends_on = None

INDEXES = [TextIndex("customers_customer", ("name", "number", "phone"), grams="name"),
           TextIndex("customers_contact", ("name", "office_phone", "mobile", "email"), grams="name")]


def upgrade():
    dialect = op.get_bind().dialect.name
    for index in INDEXES:
        if dialect == "postgresql":  # the name's trigram index exists since 3c7a9e1f5b42
            op.execute(f"DROP INDEX IF EXISTS ix_{index.table}_name_trgm")
        for statement in index.create_statements(dialect):
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for index in reversed(INDEXES):
        for statement in index.drop_statements(dialect):
            op.execute(statement)
    if dialect == "postgresql":
        op.execute("CREATE INDEX ix_customers_customer_name_trgm ON customers_customer USING gin (name gin_trgm_ops)")
