"""copy of the customer's account manager on each request

The data scope "own" of a request was "I created it, or it is assigned to me, or its customer is one
of mine" — the last an IN over the manager's customers (20,000 at a million), which no index of the
requests answers together with the list's order. The request now keeps a copy of its customer's
manager (kept in step by the customers plugin's ``customers.manager_changed``), so the scope is three
equality tests on indexed columns. Requests already there get their customer's manager here.

Revision ID: b5d1e3f7a9c2
Revises: 0b4eae10138b
Create Date: 2026-11-30 01:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'b5d1e3f7a9c2'
down_revision = '0b4eae10138b'
branch_labels = None
depends_on = None

FOREIGN_KEY = 'fk_service_request_customer_manager_id_core_user'
# The dashboard's indexes of 0b4eae10138b without their last column (the customer, now its manager's copy).
OPEN = ['status', 'created_at', 'id', 'response_state', 'resolution_state', 'created_by_id', 'assignee_id']
ARCHIVED = ['status', 'archived_at', 'satisfaction', 'created_by_id', 'assignee_id']


def upgrade():
    bind = op.get_bind()
    # SQLite adds a foreign key by rebuilding the table, which drops its triggers (the summary's
    # search index): they are read first and created again after.
    triggers = [] if bind.dialect.name != 'sqlite' else bind.execute(sa.text(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'service_request'")).scalars().all()
    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_manager_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(FOREIGN_KEY, 'core_user', ['customer_manager_id'], ['id'], ondelete='SET NULL')
    for trigger in triggers:
        op.execute(trigger)
    op.execute('UPDATE service_request SET customer_manager_id = (SELECT c.manager_id FROM customers_customer c '
               'WHERE c.id = service_request.customer_id)')
    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.drop_index('ix_service_request_assignee_status')
        batch_op.drop_index('ix_service_request_created_by_id')
        batch_op.create_index('ix_service_request_customer_manager_status',
                              ['customer_manager_id', 'status', 'created_by_id', 'id'], unique=False)
        batch_op.create_index('ix_service_request_created_by_status',
                              ['created_by_id', 'status', 'customer_manager_id', 'id'], unique=False)
        batch_op.create_index('ix_service_request_assignee_scope',
                              ['assignee_id', 'status', 'customer_manager_id', 'created_by_id', 'id'], unique=False)
        # The dashboard's figures of an account manager read the scope from these (0b4eae10138b): its third
        # arm is now the copy of the customer's manager.
        batch_op.drop_index('ix_service_request_status_created')
        batch_op.drop_index('ix_service_request_status_archived')
        batch_op.create_index('ix_service_request_status_created', [*OPEN, 'customer_manager_id'], unique=False)
        batch_op.create_index('ix_service_request_status_archived', [*ARCHIVED, 'customer_manager_id'], unique=False)
    # The planner's figures for the new column and indexes (SQLite's rebuild also dropped the table's).
    op.execute('ANALYZE service_request')


def downgrade():
    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.drop_index('ix_service_request_status_archived')
        batch_op.drop_index('ix_service_request_status_created')
        batch_op.create_index('ix_service_request_status_created', [*OPEN, 'customer_id'], unique=False)
        batch_op.create_index('ix_service_request_status_archived', [*ARCHIVED, 'customer_id'], unique=False)
        batch_op.drop_index('ix_service_request_assignee_scope')
        batch_op.drop_index('ix_service_request_created_by_status')
        batch_op.drop_index('ix_service_request_customer_manager_status')
        batch_op.create_index('ix_service_request_created_by_id', ['created_by_id'], unique=False)
        batch_op.create_index('ix_service_request_assignee_status', ['assignee_id', 'status'], unique=False)
    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.drop_constraint(FOREIGN_KEY, type_='foreignkey')
        batch_op.drop_column('customer_manager_id')
