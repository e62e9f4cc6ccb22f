"""list indexes ending in the id

The opportunity list orders by (column, id) and pages by keyset past (value,
id): an index on exactly that serves the first, any and the last page as a
short range (a probability or a stage is shared by a hundred thousand rows at
scale, which the single-column indexes left to a sort). The kanban's column and
closing-time indexes, and a new one by expected close date, also hold the amount
and probability, so each column's totals and the forecast read index entries only.

Revision ID: 907b982ea0da
Revises: 5b8e21c7d9a4
Create Date: 2026-11-29 22:45:13.556326
"""
from alembic import op


revision = '907b982ea0da'
down_revision = '5b8e21c7d9a4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('marketing_opportunity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marketing_opportunity_amount'))
        batch_op.drop_index('ix_marketing_opportunity_created_at')
        batch_op.drop_index(batch_op.f('ix_marketing_opportunity_close_date'))
        batch_op.drop_index(batch_op.f('ix_marketing_opportunity_assignee_id'))
        batch_op.drop_index(batch_op.f('ix_marketing_opportunity_customer_name'))
        batch_op.drop_index(batch_op.f('ix_marketing_opportunity_probability'))
        batch_op.drop_index(batch_op.f('ix_marketing_opportunity_stage_id'))
        batch_op.drop_index(batch_op.f('ix_marketing_opportunity_closed'))
        batch_op.create_index('ix_marketing_opportunity_closed', ['status', 'closed_at', 'amount', 'probability'], unique=False)
        batch_op.drop_index(batch_op.f('ix_marketing_opportunity_column'))
        batch_op.create_index('ix_marketing_opportunity_column', ['status', 'stage_id', 'id', 'amount', 'probability'], unique=False)
        batch_op.create_index('ix_marketing_opportunity_amount_id', ['amount', 'id'], unique=False)
        batch_op.create_index('ix_marketing_opportunity_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_marketing_opportunity_close_date_id', ['close_date', 'id'], unique=False)
        batch_op.create_index('ix_marketing_opportunity_assignee_id_id', ['assignee_id', 'id'], unique=False)
        batch_op.create_index('ix_marketing_opportunity_customer_name_id', ['customer_name', 'id'], unique=False)
        batch_op.create_index('ix_marketing_opportunity_forecast', ['status', 'close_date', 'amount', 'probability'], unique=False)
        batch_op.create_index('ix_marketing_opportunity_probability_id', ['probability', 'id'], unique=False)
        batch_op.create_index('ix_marketing_opportunity_stage_id_id', ['stage_id', 'id'], unique=False)
        batch_op.create_index('ix_marketing_opportunity_status_id', ['status', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('marketing_opportunity', schema=None) as batch_op:
        batch_op.drop_index('ix_marketing_opportunity_status_id')
        batch_op.drop_index('ix_marketing_opportunity_stage_id_id')
        batch_op.drop_index('ix_marketing_opportunity_probability_id')
        batch_op.drop_index('ix_marketing_opportunity_forecast')
        batch_op.drop_index('ix_marketing_opportunity_customer_name_id')
        batch_op.drop_index('ix_marketing_opportunity_assignee_id_id')
        batch_op.drop_index('ix_marketing_opportunity_amount_id')
        batch_op.drop_index('ix_marketing_opportunity_created_at_id')
        batch_op.drop_index('ix_marketing_opportunity_close_date_id')
        batch_op.create_index('ix_marketing_opportunity_created_at', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_marketing_opportunity_close_date'), ['close_date'], unique=False)
        batch_op.drop_index('ix_marketing_opportunity_column')
        batch_op.create_index(batch_op.f('ix_marketing_opportunity_column'), ['status', 'stage_id', 'id'], unique=False)
        batch_op.drop_index('ix_marketing_opportunity_closed')
        batch_op.create_index(batch_op.f('ix_marketing_opportunity_closed'), ['status', 'closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_marketing_opportunity_stage_id'), ['stage_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_marketing_opportunity_probability'), ['probability'], unique=False)
        batch_op.create_index(batch_op.f('ix_marketing_opportunity_customer_name'), ['customer_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_marketing_opportunity_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_marketing_opportunity_amount'), ['amount'], unique=False)
