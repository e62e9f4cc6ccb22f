"""duplicate keys (normalised name and phone, indexed) and form submissions

Revision ID: 917aec201746
Revises: 16f418dcf84e
Create Date: 2026-11-29 16:08:52.134808
"""
from alembic import op
import sqlalchemy as sa

from plugins.customers.normalise import name_key, phone_key


revision = '917aec201746'
down_revision = '16f418dcf84e'
branch_labels = None
depends_on = None

BATCH = 5000
customers = sa.table("customers_customer", sa.column("id", sa.Integer), sa.column("name", sa.String),
                     sa.column("phone", sa.String), sa.column("name_key", sa.String), sa.column("phone_key", sa.String))


def upgrade():
    op.create_table('customers_submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers_customer.id'], name=op.f('fk_customers_submission_customer_id_customers_customer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers_submission')),
    sa.UniqueConstraint('token', name=op.f('uq_customers_submission_token'))
    )
    with op.batch_alter_table('customers_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customers_submission_customer_id'), ['customer_id'], unique=False)

    with op.batch_alter_table('customers_customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('phone_key', sa.String(length=30), server_default='', nullable=False))
    _backfill_keys()
    with op.batch_alter_table('customers_customer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customers_customer_name_key'), ['name_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_customers_customer_phone_key'), ['phone_key'], unique=False)


def _backfill_keys():
    """Compute the keys of the existing customers, a batch at a time by id (the indexes come after)."""
    bind = op.get_bind()
    update = (customers.update().where(customers.c.id == sa.bindparam("row_id"))
              .values(name_key=sa.bindparam("new_name_key"), phone_key=sa.bindparam("new_phone_key")))
    last = 0
    while True:
        rows = bind.execute(sa.select(customers.c.id, customers.c.name, customers.c.phone)
                            .where(customers.c.id > last).order_by(customers.c.id).limit(BATCH)).all()
        if not rows:
            return
        bind.execute(update, [{"row_id": id_, "new_name_key": name_key(name), "new_phone_key": phone_key(phone)}
                              for id_, name, phone in rows])
        last = rows[-1][0]


def downgrade():
    with op.batch_alter_table('customers_customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customers_customer_phone_key'))
        batch_op.drop_index(batch_op.f('ix_customers_customer_name_key'))
        batch_op.drop_column('phone_key')
        batch_op.drop_column('name_key')

    with op.batch_alter_table('customers_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customers_submission_customer_id'))

    op.drop_table('customers_submission')
