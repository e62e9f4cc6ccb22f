"""activity index by customer and date

Revision ID: e71bb5decb12
Revises: 3c7a9e1f5b42
Create Date: 2026-11-29 12:31:19
"""
from alembic import op
import sqlalchemy as sa


revision = 'e71bb5decb12'
down_revision = '3c7a9e1f5b42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customers_activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customers_activity_customer_id'))
        batch_op.create_index('ix_customers_activity_customer_date', ['customer_id', 'date'], unique=False)



def downgrade():
    with op.batch_alter_table('customers_activity', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_activity_customer_date')
        batch_op.create_index(batch_op.f('ix_customers_activity_customer_id'), ['customer_id'], unique=False)

