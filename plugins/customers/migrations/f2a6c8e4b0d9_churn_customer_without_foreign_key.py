"""churn records: the customer without a foreign key

The churn scan creates records only for the customers its INSERT ... SELECT reads, and customers are
deleted softly (their status), never as rows. PostgreSQL checked each new record's customer key all the
same, a query per warning locking the customer's row, which dirtied every customer page holding one: 2.4
of the 6.7 s that the INSERT of a fresh scan's 197,917 warnings took at a million customers. The index
on (customer_id, id, status) stays: the scan, the customer's tab and the list sorted by customer read it.

Revision ID: f2a6c8e4b0d9
Revises: d7b3f9a1c5e2
Create Date: 2026-12-01 04:40:00
"""
from alembic import op

revision = 'f2a6c8e4b0d9'
down_revision = 'd7b3f9a1c5e2'
branch_labels = None
depends_on = None

FOREIGN_KEY = "fk_customers_churn_customer_id_customers_customer"


def upgrade():
    # (SQLite rebuilds the table: batch mode, with foreign keys off while migrating, see core/migrations/env.py)
    with op.batch_alter_table("customers_churn") as batch_op:
        batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")
    if op.get_bind().dialect.name == "sqlite":
        # The rebuilt table has no statistics: without them SQLite plans the churn list as if it were empty.
        op.execute("ANALYZE customers_churn")


def downgrade():
    with op.batch_alter_table("customers_churn") as batch_op:
        batch_op.create_foreign_key(FOREIGN_KEY, "customers_customer", ["customer_id"], ["id"], ondelete="CASCADE")
