"""opportunity search index covers the top bar's search

The top bar's search looks for a term in an opportunity's customer name,
summary, contact and phone. Only the customer name was indexed: a term found in
no opportunity read all of them (newest first, ~1 s for 300,000 opportunities
on PostgreSQL). The index now holds the four columns (trigrams from three
characters; one- and two-character terms still search the customer name's
grams). It is built again from the rows already there.

Revision ID: e4b7c2a9f1d3
Revises: c3f1a9d2e7b5
Create Date: 2026-11-30 01:50:00
"""
from alembic import op

from core.api import TextIndex

revision = 'e4b7c2a9f1d3'
down_revision = 'c3f1a9d2e7b5'
branch_labels = None
depends_on = None

CUSTOMER_NAME = TextIndex("marketing_opportunity", ("customer_name",), grams="customer_name")
TOP_BAR = TextIndex("marketing_opportunity", ("customer_name", "summary", "contact", "contact_phone"),
                    grams="customer_name")


def _replace(old: TextIndex, new: TextIndex) -> None:
    dialect = op.get_bind().dialect.name
    for statement in old.drop_statements(dialect) + new.create_statements(dialect):
        op.execute(statement)


def upgrade():
    _replace(CUSTOMER_NAME, TOP_BAR)


def downgrade():
    _replace(TOP_BAR, CUSTOMER_NAME)
