"""Customers per account manager, level, credit and satisfaction

The composition report counted every customer on each request (200-370 ms at a million customers for
whoever sees them all). ``customers_composition`` keeps the number of customers (not deleted) per
manager and combination of level, credit and satisfaction, written with every customer write
(composition.py); filled here from the customers already there.

Revision ID: d7b3f9a1c5e2
Revises: c4e8a2f6b1d3
Create Date: 2026-12-01 04:45:00
"""
import sqlalchemy as sa
from alembic import op

from core.api import code_string

revision = 'd7b3f9a1c5e2'
down_revision = 'c4e8a2f6b1d3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "customers_composition",
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("level", code_string(40), nullable=False),
        sa.Column("credit", code_string(40), nullable=False),
        sa.Column("satisfaction", code_string(40), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("manager_id", "level", "credit", "satisfaction",
                                name=op.f("pk_customers_composition")),
    )
    op.execute("INSERT INTO customers_composition (manager_id, level, credit, satisfaction, customers) "
               "SELECT coalesce(manager_id, 0), level, credit, satisfaction, count(*) FROM customers_customer "
               "WHERE status != 'deleted' GROUP BY coalesce(manager_id, 0), level, credit, satisfaction")


def downgrade():
    op.drop_table("customers_composition")
