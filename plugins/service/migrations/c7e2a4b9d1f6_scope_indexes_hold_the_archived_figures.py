"""scope indexes hold the archived figures

An account manager's average satisfaction this year (the dashboard) is read arm
after arm of the data scope "own" (their customers', created by them, assigned
to them). Each arm's index now also holds the archive time and the
satisfaction, so an arm reads its own archived requests' entries only, instead
of testing the owners in each of this year's ~140,000 archived requests' entries
at a million customers (26-43 ms on PostgreSQL).

Revision ID: c7e2a4b9d1f6
Revises: b5d1e3f7a9c2
Create Date: 2026-12-01 01:30:00
"""
from core.api import recreate_indexes

revision = 'c7e2a4b9d1f6'
down_revision = 'b5d1e3f7a9c2'
branch_labels = None
depends_on = None

BEFORE = {'ix_service_request_customer_manager_status': ['customer_manager_id', 'status', 'created_by_id', 'id'],
          'ix_service_request_created_by_status': ['created_by_id', 'status', 'customer_manager_id', 'id'],
          'ix_service_request_assignee_scope': ['assignee_id', 'status', 'customer_manager_id', 'created_by_id', 'id']}
FIGURES = ['archived_at', 'satisfaction']


def upgrade():
    recreate_indexes('service_request', {name: columns + FIGURES for name, columns in BEFORE.items()})


def downgrade():
    recreate_indexes('service_request', BEFORE)
