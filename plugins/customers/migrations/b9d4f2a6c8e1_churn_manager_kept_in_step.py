"""churn records: the account manager kept in step with the customer's

A churn record's manager was the customer's manager when the warning was raised, while an account
manager's scope was the customer's current manager: every count of their churn list hashed all the
records against their 20,000 customers (41-62 ms on PostgreSQL at a million customers) and a page in
the middle of it read a customer per skipped record (534 ms). The record's manager now follows the
customer's (``churn.follow_manager``, in the transaction of the handover), so the scope is a plain
condition on the record, answered in the list's default order by an index on (manager_id, created_at,
id, customer_id, status) — covering their counts — in place of the one on manager_id alone, so the scan
maintains no more indexes than before.
Records already there get their customer's current manager here.

Revision ID: b9d4f2a6c8e1
Revises: a7c3e9d1f5b8
Create Date: 2026-11-30 10:40:00
"""
from alembic import op

revision = 'b9d4f2a6c8e1'
down_revision = 'a7c3e9d1f5b8'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE customers_churn SET manager_id = (SELECT c.manager_id FROM customers_customer c "
               "WHERE c.id = customers_churn.customer_id) "
               "WHERE manager_id IS DISTINCT FROM (SELECT c.manager_id FROM customers_customer c "
               "WHERE c.id = customers_churn.customer_id)"
               if op.get_bind().dialect.name != "sqlite" else
               "UPDATE customers_churn SET manager_id = (SELECT c.manager_id FROM customers_customer c "
               "WHERE c.id = customers_churn.customer_id) "
               "WHERE manager_id IS NOT (SELECT c.manager_id FROM customers_customer c "
               "WHERE c.id = customers_churn.customer_id)")
    op.drop_index("ix_customers_churn_manager_id", table_name="customers_churn")
    op.create_index("ix_customers_churn_manager_created", "customers_churn",
                    ["manager_id", "created_at", "id", "customer_id", "status"])
    op.execute("ANALYZE customers_churn")


def downgrade():
    op.drop_index("ix_customers_churn_manager_created", table_name="customers_churn")
    op.create_index("ix_customers_churn_manager_id", "customers_churn", ["manager_id"])
