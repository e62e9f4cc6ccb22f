"""scope indexes hold the SLA states

An account manager's open requests with a breached SLA (a dashboard figure) are now counted arm after arm
of the data scope "own", like their open requests: each arm's index also holds the response and resolution
states, so an arm reads its own open requests' entries only. As one OR, the databases read every open
request's entry of the status index and tested the owners in each (30,149 at a million customers:
7-8 ms on PostgreSQL and on SQLite).

Revision ID: d8a3f6c1e5b7
Revises: c7e2a4b9d1f6
Create Date: 2026-12-02 03:05:00
"""
from core.api import recreate_indexes

revision = 'd8a3f6c1e5b7'
down_revision = 'c7e2a4b9d1f6'
branch_labels = None
depends_on = None

BEFORE = {'ix_service_request_customer_manager_status': ['customer_manager_id', 'status', 'created_by_id', 'id',
                                                         'archived_at', 'satisfaction'],
          'ix_service_request_created_by_status': ['created_by_id', 'status', 'customer_manager_id', 'id',
                                                   'archived_at', 'satisfaction'],
          'ix_service_request_assignee_scope': ['assignee_id', 'status', 'customer_manager_id', 'created_by_id', 'id',
                                                'archived_at', 'satisfaction']}
STATES = ['response_state', 'resolution_state']


def upgrade():
    recreate_indexes('service_request', {name: columns + STATES for name, columns in BEFORE.items()})


def downgrade():
    recreate_indexes('service_request', BEFORE)
