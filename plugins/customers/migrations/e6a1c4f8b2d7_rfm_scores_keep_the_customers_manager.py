"""RFM scores keep the customer's account manager

An account manager's customers at risk (the dashboard), their RFM report and the customer list filtered
to a segment joined their 20,000 customers with every score of the segments (at a million customers
~170,000 at-risk scores: 40-55 ms a count on PostgreSQL). A score now holds a copy of its customer's
manager, made when scored and kept in step by a handover (``rfm.follow_manager``, as churn records'),
so those read a range of an index on (months, manager_id, segment, customer_id, monetary).
Scores already there get their customer's current manager here.

Revision ID: e6a1c4f8b2d7
Revises: b9d4f2a6c8e1
Create Date: 2026-12-01 01:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'e6a1c4f8b2d7'
down_revision = 'b9d4f2a6c8e1'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("customers_rfm_score", sa.Column("manager_id", sa.Integer(), nullable=True))
    op.execute("UPDATE customers_rfm_score SET manager_id = (SELECT c.manager_id FROM customers_customer c "
               "WHERE c.id = customers_rfm_score.customer_id)")
    op.create_index("ix_customers_rfm_score_manager", "customers_rfm_score",
                    ["months", "manager_id", "segment", "customer_id", "monetary"])
    op.execute("ANALYZE customers_rfm_score")


def downgrade():
    op.drop_index("ix_customers_rfm_score_manager", table_name="customers_rfm_score")
    with op.batch_alter_table("customers_rfm_score") as batch_op:
        batch_op.drop_column("manager_id")
