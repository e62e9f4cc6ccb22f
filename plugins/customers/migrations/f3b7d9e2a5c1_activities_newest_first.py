"""activities newest first

The dashboard's recent activities of an account manager gathered all their customers' activities and
sorted them (~10,000 for 20,000 customers at a million: 48-70 ms on SQLite). They are now first looked
for among everyone's newest, read along an index on (date, id, customer_id).

Revision ID: f3b7d9e2a5c1
Revises: e6a1c4f8b2d7
Create Date: 2026-12-01 01:20:00
"""
from alembic import op

revision = 'f3b7d9e2a5c1'
down_revision = 'e6a1c4f8b2d7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_customers_activity_date_id", "customers_activity", ["date", "id", "customer_id"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE ix_customers_activity_date_id")  # unanalysed, SQLite takes a new index as very selective


def downgrade():
    op.drop_index("ix_customers_activity_date_id", table_name="customers_activity")
