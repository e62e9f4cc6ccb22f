"""opportunity customer name search index

"Customer name contains" from an index at any length: trigrams from three
characters, the name's one- and two-character grams below (see
core/text_search.py), so the opportunity list's 华信 reads the index instead of
every opportunity. On PostgreSQL the trigram index exists since 239dc7dc39c6 and
is kept. Opportunities already there are indexed.

Revision ID: 5b8e21c7d9a4
Revises: 239dc7dc39c6
Create Date: 2026-11-29 22:45:00
"""
from alembic import op

from core.api import TextIndex

revision = '5b8e21c7d9a4'
down_revision = '239dc7dc39c6'
branch_labels = None
depends_on = None

INDEX = TextIndex("marketing_opportunity", ("customer_name",), grams="customer_name")


def upgrade():
    for statement in INDEX.create_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in INDEX.drop_statements(dialect):
        op.execute(statement)
    if dialect == "postgresql":  # 239dc7dc39c6's index
        op.execute("CREATE INDEX ix_marketing_opportunity_customer_name_trgm ON marketing_opportunity "
                   "USING gin (customer_name gin_trgm_ops)")
