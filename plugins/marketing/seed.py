"""The pipeline stages and lost reasons every installation starts with.

``ensure_defaults`` runs as the migration's data step (plain SQL, so it does not
depend on the models' later shape) and adds nothing when stages or reasons exist.
"""
from __future__ import annotations

from sqlalchemy import DateTime, Integer, String, column, select, table

from core.api import utcnow
from plugins.basedata import services as basedata

LOST_REASON = "lost_reason"  # also in models.py; the seed must not import the models

# (English name, 中文名, default probability) in pipeline order.
STAGES = [
    ("Initial contact", "初步接洽", 10),
    ("Needs confirmed", "需求确认", 30),
    ("Proposal", "方案报价", 50),
    ("Negotiation", "商务谈判", 70),
]

LOST_REASONS = [
    ("price", "价格因素", "Price"),
    ("competitor", "选择了竞争对手", "Chose a competitor"),
    ("budget", "预算不足", "No budget"),
    ("need_cancelled", "需求取消", "Need cancelled"),
    ("no_response", "联系不上", "No response"),
    ("other", "其他", "Other"),
]

_stage = table(
    "marketing_stage",
    column("id", Integer), column("name", String), column("name_zh", String), column("sort_order", Integer),
    column("probability", Integer), column("version", Integer),
    column("created_at", DateTime), column("updated_at", DateTime),
)


def ensure_defaults(connection) -> int:
    """Insert the default stages (when there are none) and lost reasons (likewise); returns how many rows."""
    added = basedata.seed_type(LOST_REASON, LOST_REASONS, connection=connection)
    if connection.execute(select(_stage.c.id).limit(1)).first() is None:
        now = utcnow()
        connection.execute(_stage.insert(), [
            dict(name=name, name_zh=name_zh, sort_order=position * 10, probability=probability, version=1,
                 created_at=now, updated_at=now)
            for position, (name, name_zh, probability) in enumerate(STAGES, start=1)])
        added += len(STAGES)
    return added
