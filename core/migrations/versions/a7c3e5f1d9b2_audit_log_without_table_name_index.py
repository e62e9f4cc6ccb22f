"""audit log: no index on table_name alone (the index on table_name, record_id serves every query it served)

One index fewer to keep for every audit entry: bulk work (the churn scan, imports) writes one per record.

Revision ID: a7c3e5f1d9b2
Revises: d5b8e2a4c6f1
Create Date: 2026-11-29 22:40:00
"""
from alembic import op

revision = 'a7c3e5f1d9b2'
down_revision = 'd5b8e2a4c6f1'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_core_audit_log_table_name', table_name='core_audit_log')


def downgrade():
    op.create_index('ix_core_audit_log_table_name', 'core_audit_log', ['table_name'])
