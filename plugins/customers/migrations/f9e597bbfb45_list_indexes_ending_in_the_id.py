"""list indexes ending in the id

Lists order by (column, id) and page by keyset past (value, id): indexes on
exactly that serve the first, any and the last page as a short range.

Revision ID: f9e597bbfb45
Revises: 06ab15c10926
Create Date: 2026-11-29 16:07:11.791701
"""
from alembic import op


revision = 'f9e597bbfb45'
down_revision = '06ab15c10926'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customers_churn', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customers_churn_created_at'))
        batch_op.drop_index(batch_op.f('ix_customers_churn_last_order_date'))
        batch_op.drop_index(batch_op.f('ix_customers_churn_lost_at'))
        batch_op.drop_index(batch_op.f('ix_customers_churn_status'))
        batch_op.create_index('ix_customers_churn_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_customers_churn_last_order_date_id', ['last_order_date', 'id'], unique=False)
        batch_op.create_index('ix_customers_churn_lost_at_id', ['lost_at', 'id'], unique=False)
        batch_op.create_index('ix_customers_churn_status_id', ['status', 'id'], unique=False)

    with op.batch_alter_table('customers_customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customers_customer_created_at'))
        batch_op.drop_index(batch_op.f('ix_customers_customer_level'))
        batch_op.drop_index(batch_op.f('ix_customers_customer_manager_id'))
        batch_op.drop_index(batch_op.f('ix_customers_customer_name'))
        batch_op.drop_index(batch_op.f('ix_customers_customer_region'))
        batch_op.drop_index(batch_op.f('ix_customers_customer_status'))
        batch_op.create_index('ix_customers_customer_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_customers_customer_level_id', ['level', 'id'], unique=False)
        batch_op.create_index('ix_customers_customer_manager_created', ['manager_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_customers_customer_manager_id_id', ['manager_id', 'id'], unique=False)
        batch_op.create_index('ix_customers_customer_manager_name', ['manager_id', 'name', 'id'], unique=False)
        batch_op.create_index('ix_customers_customer_name_id', ['name', 'id'], unique=False)
        batch_op.create_index('ix_customers_customer_region_id', ['region', 'id'], unique=False)
        batch_op.create_index('ix_customers_customer_status_id', ['status', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('customers_customer', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_customer_status_id')
        batch_op.drop_index('ix_customers_customer_region_id')
        batch_op.drop_index('ix_customers_customer_name_id')
        batch_op.drop_index('ix_customers_customer_manager_name')
        batch_op.drop_index('ix_customers_customer_manager_id_id')
        batch_op.drop_index('ix_customers_customer_manager_created')
        batch_op.drop_index('ix_customers_customer_level_id')
        batch_op.drop_index('ix_customers_customer_created_at_id')
        batch_op.create_index(batch_op.f('ix_customers_customer_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_customers_customer_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_customers_customer_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_customers_customer_manager_id'), ['manager_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customers_customer_level'), ['level'], unique=False)
        batch_op.create_index(batch_op.f('ix_customers_customer_created_at'), ['created_at'], unique=False)

    with op.batch_alter_table('customers_churn', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_churn_status_id')
        batch_op.drop_index('ix_customers_churn_lost_at_id')
        batch_op.drop_index('ix_customers_churn_last_order_date_id')
        batch_op.drop_index('ix_customers_churn_created_at_id')
        batch_op.create_index(batch_op.f('ix_customers_churn_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_customers_churn_lost_at'), ['lost_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_customers_churn_last_order_date'), ['last_order_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_customers_churn_created_at'), ['created_at'], unique=False)
