"""sales per month of every customer (customers_sales_month) and of each account manager's
(customers_manager_sales_month), filled from the customer months

The sales this month and by month on the dashboard read them instead of summing
the customer months (640,000 of them for a year at a million customers, 20,000
customers' for an account manager); every order write and every change of a
customer's manager keeps them in step from here on (see
plugins/customers/order_summary.py).

Revision ID: e0e949cf10bc
Revises: d3f1a7c9e2b4
Create Date: 2026-11-30 02:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'e0e949cf10bc'
down_revision = 'd3f1a7c9e2b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('customers_sales_month',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_customers_sales_month'))
    )
    op.create_table('customers_manager_sales_month',
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('manager_id', 'month', name=op.f('pk_customers_manager_sales_month'))
    )
    op.execute("INSERT INTO customers_sales_month (month, orders, amount) "
               "SELECT month, sum(orders), sum(amount) FROM customers_order_month GROUP BY month")
    op.execute("INSERT INTO customers_manager_sales_month (manager_id, month, orders, amount) "
               "SELECT coalesce(c.manager_id, 0), m.month, sum(m.orders), sum(m.amount) "
               "FROM customers_order_month m JOIN customers_customer c ON c.id = m.customer_id "
               "GROUP BY coalesce(c.manager_id, 0), m.month")


def downgrade():
    op.drop_table('customers_manager_sales_month')
    op.drop_table('customers_sales_month')
