"""filters in the default order: region, level and status each with (created_at, id)

A filtered list's first, next and last pages in the default order (newest
first) read an index range instead of sorting every matching customer.

Revision ID: b7d2c4e6f8a1
Revises: a4c1e2f3b5d6
Create Date: 2026-11-29 17:30:00
"""
from alembic import op

revision = 'b7d2c4e6f8a1'
down_revision = 'a4c1e2f3b5d6'
branch_labels = None
depends_on = None

COLUMNS = ("region", "level", "status")


def upgrade():
    for column in COLUMNS:
        op.create_index(f"ix_customers_customer_{column}_created", "customers_customer", [column, "created_at", "id"])


def downgrade():
    for column in COLUMNS:
        op.drop_index(f"ix_customers_customer_{column}_created", table_name="customers_customer")
