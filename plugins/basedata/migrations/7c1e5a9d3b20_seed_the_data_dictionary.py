"""seed the data dictionary (SPEC 2.1 types and items)

Revision ID: 7c1e5a9d3b20
Revises: 051304f286b0
Create Date: 2026-11-24 21:15:00
"""
from alembic import op

from plugins.basedata.seed import ensure_dictionary

revision = '7c1e5a9d3b20'
down_revision = '051304f286b0'
branch_labels = None
depends_on = None


def upgrade():
    # Inserts only the entries that are missing, so a fresh `crm init` (with or without --demo) has them.
    ensure_dictionary(op.get_bind())


def downgrade():
    pass  # the entries are data that records may use: leave them
