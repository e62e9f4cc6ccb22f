"""scope indexes hold the pipeline figures

An account manager's open pipeline value and win rate this year (the dashboard)
are read arm after arm of the data scope "own" (assigned to them, created by
them). Each arm's index now also holds the closing time, the amount and the
probability, so an arm reads its own opportunities' entries only, instead of
testing the owners in every open or closed opportunity's entry (7-17 ms each on
PostgreSQL at a million customers).

Revision ID: d2f8b3c6e9a1
Revises: b5c8e1f4a7d2
Create Date: 2026-12-01 01:30:00
"""
from alembic import op

revision = 'd2f8b3c6e9a1'
down_revision = 'b5c8e1f4a7d2'
branch_labels = None
depends_on = None

BEFORE = {'ix_marketing_opportunity_assignee_scope': ['assignee_id', 'status', 'id'],
          'ix_marketing_opportunity_created_by_scope': ['created_by_id', 'status', 'assignee_id', 'id']}
FIGURES = ['closed_at', 'amount', 'probability']


def _recreate(columns_of):
    with op.batch_alter_table('marketing_opportunity', schema=None) as batch_op:
        for name, columns in columns_of.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, columns, unique=False)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite plans an index without statistics as if it were very selective (see a7d3e5f9b2c1).
        for name in columns_of:
            op.execute(f"ANALYZE {name}")


def upgrade():
    _recreate({name: columns + FIGURES for name, columns in BEFORE.items()})


def downgrade():
    _recreate(BEFORE)
