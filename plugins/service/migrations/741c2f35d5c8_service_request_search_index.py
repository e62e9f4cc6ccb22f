"""service request summary search index

"Summary contains" from an index at any length: trigrams from three characters,
the summary's one- and two-character grams below (see core/text_search.py). On
PostgreSQL the summary's trigram index exists since 245a85097a66 and is kept.
Requests already there are indexed.

Revision ID: 741c2f35d5c8
Revises: 245a85097a66
Create Date: 2026-11-29 19:20:00
"""
from alembic import op

from core.api import TextIndex

revision = '741c2f35d5c8'
down_revision = '245a85097a66'
branch_labels = None
depends_on = None

INDEX = TextIndex("service_request", ("summary",), grams="summary")


def upgrade():
    for statement in INDEX.create_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in INDEX.drop_statements(dialect):
        op.execute(statement)
    if dialect == "postgresql":  # 245a85097a66's index
        op.execute("CREATE INDEX ix_service_request_summary_trgm ON service_request USING gin (summary gin_trgm_ops)")
