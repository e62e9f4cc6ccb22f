"""number counters: one row per prefix and day, incremented in the transaction that gives a number

Revision ID: d5b8e2a4c6f1
Revises: c4a7e9d1b2f3
Create Date: 2026-11-29 19:20:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'd5b8e2a4c6f1'
down_revision = 'c4a7e9d1b2f3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'core_number_counter',
        sa.Column('prefix', sa.String(length=20), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('prefix', 'day', name=op.f('pk_core_number_counter')),
    )


def downgrade():
    op.drop_table('core_number_counter')
