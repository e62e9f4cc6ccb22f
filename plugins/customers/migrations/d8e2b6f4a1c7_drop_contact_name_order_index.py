"""PostgreSQL: drop the index on (name, id) of contacts again

With it, PostgreSQL read the top bar's first ten contacts of a term of three characters or more along the
names and tested each one, even when few or no contacts hold the term: at a million contacts, as
administrator, 北京华信科技, a term nothing holds and a phone fragment took 2.2-2.4 s (bench, 30 Nov
2026), where the trigram indexes answer them in a few ms.

Revision ID: d8e2b6f4a1c7
Revises: c3f1a7d9e2b4
Create Date: 2026-11-30 06:40:00
"""
from alembic import op

revision = 'd8e2b6f4a1c7'
down_revision = 'c3f1a7d9e2b4'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_customers_contact_name_id")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_customers_contact_name_id", "customers_contact", ["name", "id"])
