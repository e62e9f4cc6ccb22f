"""The dictionary entries every installation starts with (SPEC §2.1).

``ensure_dictionary`` inserts the missing ones with plain SQL, so the
migration can call it as its data step and running it again adds nothing.
"""
from __future__ import annotations

from sqlalchemy import Boolean, DateTime, Integer, String, column, select, table

from core.api import utcnow
from plugins.basedata import services as s

# type -> (editable, [(value, 条目, English label), ...]) in sort order.
SEED: dict[str, tuple[bool, list[tuple[str, str, str]]]] = {
    s.CUSTOMER_LEVEL: (False, [
        ("1", "普通客户", "Ordinary customer"),
        ("2", "重点开发客户", "Key prospect"),
        ("3", "大客户", "Major account"),
        ("4", "合作伙伴", "Partner"),
        ("5", "战略合作伙伴", "Strategic partner"),
    ]),
    s.CREDIT: (False, [(str(n), f"{n}星 " + "★" * n, f"{n} star{'s' if n > 1 else ''} " + "★" * n)
                       for n in range(1, 6)]),
    s.SATISFACTION: (False, [(str(n), f"{n}星 " + "★" * n, f"{n} star{'s' if n > 1 else ''} " + "★" * n)
                             for n in range(1, 6)]),
    s.REGION: (True, [
        ("beijing", "北京", "Beijing"),
        ("north_china", "华北", "North China"),
        ("central_south", "中南", "Central South"),
        ("northeast", "东北", "Northeast"),
        ("west", "西部", "West"),
    ]),
    s.SERVICE_TYPE: (True, [
        ("consultation", "咨询", "Consultation"),
        ("suggestion", "建议", "Suggestion"),
        ("complaint", "投诉", "Complaint"),
    ]),
    s.OPPORTUNITY_SOURCE: (True, [
        ("telemarketing", "电话营销", "Telemarketing"),
        ("online", "网络推广", "Online marketing"),
        ("exhibition", "展会", "Trade fair"),
        ("referral", "老客户介绍", "Customer referral"),
        ("partner", "合作伙伴", "Partner"),
    ]),
    s.ENTERPRISE_TYPE: (True, [
        ("limited", "有限责任公司", "Limited liability company"),
        ("joint_stock", "股份有限公司", "Joint-stock company"),
        ("sole_proprietorship", "个人独资企业", "Sole proprietorship"),
        ("partnership", "合伙企业", "Partnership"),
        ("individual", "个体工商户", "Individual business"),
    ]),
    s.ENTERPRISE_NATURE: (True, [
        ("state_owned", "国有企业", "State-owned enterprise"),
        ("collective", "集体企业", "Collective enterprise"),
        ("private", "民营企业", "Private enterprise"),
        ("joint_venture", "中外合资企业", "Sino-foreign joint venture"),
        ("foreign_owned", "外商独资企业", "Wholly foreign-owned enterprise"),
    ]),
    s.BANK: (True, [
        ("icbc", "中国工商银行", "Industrial and Commercial Bank of China"),
        ("ccb", "中国建设银行", "China Construction Bank"),
        ("abc", "中国农业银行", "Agricultural Bank of China"),
        ("boc", "中国银行", "Bank of China"),
        ("bocom", "交通银行", "Bank of Communications"),
        ("cmb", "招商银行", "China Merchants Bank"),
    ]),
}

# A lightweight table description: the data step must not depend on the ORM model's later shape.
_dictionary = table(
    "basedata_dictionary",
    column("type", String), column("item", String), column("item_en", String), column("value", String),
    column("sort_order", Integer), column("editable", Boolean), column("version", Integer),
    column("created_at", DateTime), column("updated_at", DateTime),
)


def ensure_dictionary(connection) -> int:
    """Insert the seeded entries whose value and item are both missing from their type; returns how many."""
    taken = set()
    for type_key, value, item in connection.execute(select(_dictionary.c.type, _dictionary.c.value, _dictionary.c.item)):
        taken.update({(type_key, "value", value), (type_key, "item", item)})
    now = utcnow()
    rows = [
        dict(type=type_key, value=value, item=item, item_en=item_en, sort_order=position * 10,
             editable=editable, version=1, created_at=now, updated_at=now)
        for type_key, (editable, items) in SEED.items()
        for position, (value, item, item_en) in enumerate(items, start=1)
        if (type_key, "value", value) not in taken and (type_key, "item", item) not in taken
    ]
    if rows:
        connection.execute(_dictionary.insert(), rows)
    return len(rows)


def ensure_type(connection, type_key: str, entries, editable: bool = True) -> int:
    """Insert ``entries`` ``[(value, item, item_en), ...]`` when ``type_key`` has no entry; returns how many."""
    if connection.execute(select(_dictionary.c.type).where(_dictionary.c.type == type_key).limit(1)).first():
        return 0
    now = utcnow()
    rows = [dict(type=type_key, value=value, item=item, item_en=item_en, sort_order=position * 10,
                 editable=editable, version=1, created_at=now, updated_at=now)
            for position, (value, item, item_en) in enumerate(entries, start=1)]
    if rows:
        connection.execute(_dictionary.insert(), rows)
    return len(rows)
