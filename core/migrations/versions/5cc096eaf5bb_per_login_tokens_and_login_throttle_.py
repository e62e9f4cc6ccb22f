"""per-login tokens and login throttle counters

Logins become rows of ``core_login`` (a token per login, ended on logout)
instead of one ``session_token`` per user; the failure log becomes counters
per account, address and pair in ``core_login_throttle``. Existing sessions
end: everybody logs in again once.

Revision ID: 5cc096eaf5bb
Revises: 20a256d9909d
Create Date: 2026-11-29 12:23:06.176963
"""
from alembic import op
import sqlalchemy as sa


revision = '5cc096eaf5bb'
down_revision = '20a256d9909d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('core_login_throttle',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_at', sa.DateTime(), nullable=False),
    sa.Column('blocked_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_core_login_throttle'))
    )
    with op.batch_alter_table('core_login_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_login_throttle_last_at'), ['last_at'], unique=False)

    op.create_table('core_login',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('remember', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_login_user_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_login')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_core_login_token_hash'))
    )
    with op.batch_alter_table('core_login', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_login_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_login_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('core_login_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_login_failure_address'))
        batch_op.drop_index(batch_op.f('ix_core_login_failure_at'))
        batch_op.drop_index(batch_op.f('ix_core_login_failure_username'))

    op.drop_table('core_login_failure')
    with op.batch_alter_table('core_user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_core_user_session_token'), type_='unique')
        batch_op.drop_column('session_token')



def downgrade():
    with op.batch_alter_table('core_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.VARCHAR(length=64), nullable=True))
    # Any distinct value will do: every session ends either way.
    op.execute("UPDATE core_user SET session_token = 'downgraded-' || id")
    with op.batch_alter_table('core_user', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.VARCHAR(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_core_user_session_token'), ['session_token'])

    op.create_table('core_login_failure',
    sa.Column('id', sa.INTEGER(), nullable=False),
    sa.Column('username', sa.VARCHAR(length=64), nullable=False),
    sa.Column('address', sa.VARCHAR(length=64), nullable=False),
    sa.Column('at', sa.DATETIME(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_login_failure'))
    )
    with op.batch_alter_table('core_login_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_login_failure_username'), ['username'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_login_failure_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_login_failure_address'), ['address'], unique=False)

    with op.batch_alter_table('core_login', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_login_user_id'))
        batch_op.drop_index(batch_op.f('ix_core_login_expires_at'))

    op.drop_table('core_login')
    with op.batch_alter_table('core_login_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_login_throttle_last_at'))

    op.drop_table('core_login_throttle')
