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
from core.api import recreate_indexes

revision = 'd2f8b3c6e9a1'
down_revision = 'b5c8e1f4a7d2'
branch_labels = None
depends_on = None

BEFORE = {'ix_marketing_opportunity_assignee_scope': ['assignee_id', 'status', 'id'],
          'ix_marketing_opportunity_created_by_scope': ['created_by_id', 'status', 'assignee_id', 'id']}
FIGURES = ['closed_at', 'amount', 'probability']


def upgrade():
    recreate_indexes('marketing_opportunity', {name: columns + FIGURES for name, columns in BEFORE.items()})


def downgrade():
    recreate_indexes('marketing_opportunity', BEFORE)
