"""customer name trigram index (PostgreSQL only)

Revision ID: 3c7a9e1f5b42
Revises: 2100e7103af9
Create Date: 2026-11-24 21:55:00
"""
from alembic import op

revision = '3c7a9e1f5b42'
down_revision = '2100e7103af9'
branch_labels = None
depends_on = None


def upgrade():
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index("ix_customers_customer_name_trgm", "customers_customer", ["name"],
                        postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"})


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_customers_customer_name_trgm", table_name="customers_customer")
