"""PostgreSQL: an index on (name, id) of contacts

The top bar's search lists the first ten contacts by name holding the term. For a term many contacts
hold (华: 38,288 of a million) PostgreSQL collected and sorted every one of them; with the names in
order it walks them and stops at the tenth (see Contact.__table_args__). SQLite walks its own way.

Revision ID: c3f1a7d9e2b4
Revises: e0e949cf10bc
Create Date: 2026-11-30 04:55:00
"""
from alembic import op

revision = 'c3f1a7d9e2b4'
down_revision = 'e0e949cf10bc'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_customers_contact_name_id", "customers_contact", ["name", "id"])


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_customers_contact_name_id", table_name="customers_contact")
