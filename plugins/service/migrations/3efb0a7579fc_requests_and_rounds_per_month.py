"""requests and rated rounds per month (service_request_month, service_archived_month,
service_round_month), filled from the requests and rounds

The whole team's service reports and average satisfaction read them instead of
every request and round (see plugins/service/month_summaries.py); every write
of a request or a round keeps them in step from here on.

Revision ID: 3efb0a7579fc
Revises: f268855e2916
Create Date: 2026-11-30 01:40:00
"""
from alembic import op
import sqlalchemy as sa

revision = '3efb0a7579fc'
down_revision = 'f268855e2916'
branch_labels = None
depends_on = None


def _month(column: str) -> str:
    if op.get_bind().dialect.name == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS DATE)"
    return f"date({column}, 'start of month')"


def upgrade():
    op.create_table('service_request_month',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('requests', sa.Integer(), nullable=False),
    sa.Column('archived', sa.Integer(), nullable=False),
    sa.Column('satisfaction', sa.Integer(), nullable=False),
    sa.Column('rated', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'type', name=op.f('pk_service_request_month'))
    )
    op.create_table('service_archived_month',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('requests', sa.Integer(), nullable=False),
    sa.Column('response_met', sa.Integer(), nullable=False),
    sa.Column('resolution_met', sa.Integer(), nullable=False),
    sa.Column('satisfaction', sa.Integer(), nullable=False),
    sa.Column('rated', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'priority', name=op.f('pk_service_archived_month'))
    )
    op.create_table('service_round_month',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('handler_id', sa.Integer(), nullable=False),
    sa.Column('rounds', sa.Integer(), nullable=False),
    sa.Column('satisfaction', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'handler_id', name=op.f('pk_service_round_month'))
    )
    created, archived, rated = _month("created_at"), _month("archived_at"), _month("feedback_at")
    op.execute(
        "INSERT INTO service_request_month (month, type, requests, archived, satisfaction, rated, satisfied) "
        f"SELECT {created}, type, count(*), "
        "sum(CASE WHEN status = 'archived' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN status = 'archived' AND satisfaction IS NOT NULL THEN satisfaction ELSE 0 END), "
        "sum(CASE WHEN status = 'archived' AND satisfaction IS NOT NULL THEN 1 ELSE 0 END), "
        "sum(CASE WHEN status = 'archived' AND satisfaction >= 3 THEN 1 ELSE 0 END) "
        f"FROM service_request GROUP BY {created}, type")
    op.execute(
        "INSERT INTO service_archived_month (month, priority, requests, response_met, resolution_met, satisfaction, "
        f"rated) SELECT {archived}, priority, count(*), "
        "sum(CASE WHEN response_state = 'met' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN resolution_state = 'met' THEN 1 ELSE 0 END), sum(coalesce(satisfaction, 0)), "
        "sum(CASE WHEN satisfaction IS NOT NULL THEN 1 ELSE 0 END) "
        "FROM service_request WHERE status = 'archived' AND archived_at IS NOT NULL "
        f"GROUP BY {archived}, priority")
    op.execute(
        "INSERT INTO service_round_month (month, handler_id, rounds, satisfaction, satisfied) "
        f"SELECT {rated}, coalesce(handler_id, 0), count(*), sum(satisfaction), "
        "sum(CASE WHEN satisfaction >= 3 THEN 1 ELSE 0 END) "
        "FROM service_round WHERE satisfaction IS NOT NULL AND feedback_at IS NOT NULL "
        f"GROUP BY {rated}, coalesce(handler_id, 0)")


def downgrade():
    op.drop_table('service_round_month')
    op.drop_table('service_archived_month')
    op.drop_table('service_request_month')
