"""Order years keep the customer's account manager

An account manager's contribution report joined each of their 20,000 customers (at a million) with its
year and sorted them all by amount: 27-38 ms of SQL on SQLite, 70-90 ms a page on PostgreSQL. A year now
holds a copy of its customer's manager, written when the years are summarised and kept in step when the
customer is given to another manager (``order_summary._move_managers``), so the report reads the first
rows of an index on (manager_id, year, amount, customer_id). Years already there get their customer's
current manager here.

Revision ID: a8c2e6f0b4d1
Revises: b3d7f1a9c5e6
Create Date: 2026-12-01 12:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'a8c2e6f0b4d1'
down_revision = 'b3d7f1a9c5e6'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("customers_order_year", sa.Column("manager_id", sa.Integer(), nullable=True))
    op.execute("UPDATE customers_order_year SET manager_id = (SELECT c.manager_id FROM customers_customer c "
               "WHERE c.id = customers_order_year.customer_id)")
    op.create_index("ix_customers_order_year_manager_amount", "customers_order_year",
                    ["manager_id", "year", "amount", "customer_id"])
    op.execute("ANALYZE customers_order_year")


def downgrade():
    op.drop_index("ix_customers_order_year_manager_amount", table_name="customers_order_year")
    with op.batch_alter_table("customers_order_year") as batch_op:
        batch_op.drop_column("manager_id")
