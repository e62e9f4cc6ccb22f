"""opportunity scope indexes of each owner and status

Data scope "own" (assigned to or created by the user) is counted arm after arm:
the assignee's opportunities, then the creator's that are not also the
assignee's. Each arm gets an index of its owner and the status (the list's
usual filter), the creator's also of the assignee, so that a count reads a
short range of index entries only, not every opportunity of that status nor
each opportunity's row.

Revision ID: b5c8e1f4a7d2
Revises: a7d3e5f9b2c1
Create Date: 2026-11-30 20:30:00
"""
from alembic import op

revision = 'b5c8e1f4a7d2'
down_revision = 'a7d3e5f9b2c1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('marketing_opportunity', schema=None) as batch_op:
        batch_op.drop_index('ix_marketing_opportunity_created_by_id')
        batch_op.create_index('ix_marketing_opportunity_assignee_scope', ['assignee_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_marketing_opportunity_created_by_scope',
                              ['created_by_id', 'status', 'assignee_id', 'id'], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite plans an index without statistics as if it were very selective (see a7d3e5f9b2c1).
        op.execute("ANALYZE ix_marketing_opportunity_assignee_scope")
        op.execute("ANALYZE ix_marketing_opportunity_created_by_scope")


def downgrade():
    with op.batch_alter_table('marketing_opportunity', schema=None) as batch_op:
        batch_op.drop_index('ix_marketing_opportunity_created_by_scope')
        batch_op.drop_index('ix_marketing_opportunity_assignee_scope')
        batch_op.create_index('ix_marketing_opportunity_created_by_id', ['created_by_id'], unique=False)
