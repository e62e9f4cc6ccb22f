"""cache versions: one row per cached key, bumped with every change of its data

Revision ID: c4a7e9d1b2f3
Revises: 848305bb3fda
Create Date: 2026-11-29 16:50:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'c4a7e9d1b2f3'
down_revision = '848305bb3fda'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'core_cache_version',
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('version', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_core_cache_version')),
    )


def downgrade():
    op.drop_table('core_cache_version')
