"""closed opportunities per month (marketing_closed_month), filled from the opportunities

The whole team's win rate and lost reasons read it instead of every won and
lost opportunity (see plugins/marketing/closed_months.py); every write of an
opportunity keeps it in step from here on.

Revision ID: e4bebaaa44e7
Revises: e4b7c2a9f1d3
Create Date: 2026-11-30 01:40:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'e4bebaaa44e7'
down_revision = 'e4b7c2a9f1d3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('marketing_closed_month',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('lost_reason', sa.String(length=40), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=False),
    sa.Column('opportunities', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('month', 'status', 'lost_reason', 'assignee_id', name=op.f('pk_marketing_closed_month'))
    )
    month = ("CAST(date_trunc('month', closed_at) AS DATE)" if op.get_bind().dialect.name == "postgresql"
             else "date(closed_at, 'start of month')")
    op.execute(f"INSERT INTO marketing_closed_month (month, status, lost_reason, assignee_id, opportunities, amount) "
               f"SELECT {month}, status, coalesce(lost_reason, ''), coalesce(assignee_id, 0), count(*), "
               f"sum(coalesce(amount, 0)) FROM marketing_opportunity "
               f"WHERE status IN ('won', 'lost') AND closed_at IS NOT NULL "
               f"GROUP BY {month}, status, coalesce(lost_reason, ''), coalesce(assignee_id, 0)")


def downgrade():
    op.drop_table('marketing_closed_month')
