"""PostgreSQL: the grams functions of the customer and contact search indexes declare their cost

Splitting a name into its one- and two-character grams takes ~9 µs, about 400
times cpu_operator_cost; declared at the default 100, the planner computed it
for each of an account manager's 20,000 customers (churn list filtered by 华信:
190 ms) instead of intersecting the manager's and the grams' index bitmaps
(13 ms). See core.text_search.GRAMS_COST. Nothing to do on SQLite.

Revision ID: d4e6f8a0b2c3
Revises: c3d5e7f9a1b2
Create Date: 2026-11-29 22:45:00
"""
from alembic import op

revision = 'd4e6f8a0b2c3'
down_revision = 'c3d5e7f9a1b2'
branch_labels = None
depends_on = None

FUNCTIONS = ("customers_customer_grams", "customers_contact_grams")


def _set_cost(cost: int) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for function in FUNCTIONS:
        op.execute(f"ALTER FUNCTION {function}(text) COST {cost}")


def upgrade():
    _set_cost(400)  # core.text_search.GRAMS_COST at the time of this revision


def downgrade():
    _set_cost(100)
