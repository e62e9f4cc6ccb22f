"""an index on (manager_id, status) of customers

An account manager's count of customers ("My customers", own scope counts) is
read from this index alone instead of visiting each of their customers' rows.

Revision ID: eee7fa7fd2a0
Revises: b7d2c4e6f8a1
Create Date: 2026-11-29 19:40:00
"""
from alembic import op

revision = 'eee7fa7fd2a0'
down_revision = 'b7d2c4e6f8a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_customers_customer_manager_status", "customers_customer", ["manager_id", "status"])


def downgrade():
    op.drop_index("ix_customers_customer_manager_status", table_name="customers_customer")
