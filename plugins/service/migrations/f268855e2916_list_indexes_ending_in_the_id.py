"""list indexes ending in the id

The request lists order by (column, id) and page by keyset past (value, id): an
index on exactly that serves the first, any and the last page as a short range
(a status, a type or a summary is shared by tens of thousands of requests at
scale, which the single-column indexes left to a sort; the due time had none).

Revision ID: f268855e2916
Revises: 741c2f35d5c8
Create Date: 2026-11-29 22:45:18.879504
"""
from alembic import op


revision = 'f268855e2916'
down_revision = '741c2f35d5c8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_request_summary'))
        batch_op.drop_index(batch_op.f('ix_service_request_type'))
        batch_op.drop_index('ix_service_request_created_at')
        batch_op.create_index('ix_service_request_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_service_request_assignee_id_id', ['assignee_id', 'id'], unique=False)
        batch_op.create_index('ix_service_request_resolution_due_at_id', ['resolution_due_at', 'id'], unique=False)
        batch_op.create_index('ix_service_request_status_id', ['status', 'id'], unique=False)
        batch_op.create_index('ix_service_request_summary_id', ['summary', 'id'], unique=False)
        batch_op.create_index('ix_service_request_type_id', ['type', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.drop_index('ix_service_request_type_id')
        batch_op.drop_index('ix_service_request_created_at_id')
        batch_op.create_index('ix_service_request_created_at', ['created_at'], unique=False)
        batch_op.drop_index('ix_service_request_summary_id')
        batch_op.drop_index('ix_service_request_status_id')
        batch_op.drop_index('ix_service_request_resolution_due_at_id')
        batch_op.drop_index('ix_service_request_assignee_id_id')
        batch_op.create_index(batch_op.f('ix_service_request_type'), ['type'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_request_summary'), ['summary'], unique=False)
