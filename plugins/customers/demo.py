"""Demo data: about 200 customers with contacts, activities and orders over two years."""
from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.api import User, utcnow

from plugins.basedata import services as basedata
from plugins.customers import churn, rfm
from plugins.customers.models import (
    ORDER_PAID, ORDER_UNPAID, STATUS_LOST, Activity, Contact, Customer, Order, OrderLine,
)

CUSTOMERS = 200
# Cities by the seeded region they lie in (北京, 华北, 中南, 东北, 西部), so a customer's city and region agree.
CITIES_BY_REGION = {
    "beijing": ["北京"],
    "north_china": ["天津", "石家庄", "太原", "呼和浩特", "唐山", "保定"],
    "central_south": ["郑州", "武汉", "长沙", "广州", "深圳", "南宁", "海口"],
    "northeast": ["沈阳", "长春", "哈尔滨", "大连"],
    "west": ["成都", "重庆", "西安", "兰州", "昆明", "贵阳", "乌鲁木齐"],
}
STEMS = ["华信", "宏达", "金鼎", "瑞丰", "鼎盛", "恒通", "嘉禾", "远航", "天成", "中联", "博远", "新锐", "汇通",
         "永泰", "星辰", "东方", "安和", "盛世", "凯旋", "明德", "锦程", "润泽", "腾飞", "同创", "海纳"]
TRADES = ["科技", "电子", "贸易", "机械", "建材", "物流", "医药", "食品", "软件", "化工", "纺织", "通信"]
FORMS = ["有限公司", "股份有限公司", "集团有限公司"]
STREETS = ["中山路", "人民路", "建设大道", "解放路", "长江路", "黄河路", "科技园路", "新华街"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "建华"]
POSITIONS = ["总经理", "采购经理", "财务总监", "技术主管", "行政主管", "销售总监"]
# (activity type, summary, next step or "") that belong together.
ACTIVITIES = [
    ("visit", "上门拜访，介绍新产品", "寄送产品资料和报价单"),
    ("call", "电话回访，了解使用情况", "安排工程师上门检查"),
    ("meeting", "商务洽谈，讨论年度合同", "提交年度合同草案"),
    ("meeting", "参加客户年会", ""),
    ("call", "处理售后问题", "回访确认问题已解决"),
    ("visit", "邀请参观公司展厅", "跟进参观后的采购意向"),
    ("email", "节日问候，赠送礼品", ""),
    ("meeting", "技术交流会", "发送技术方案"),
    ("email", "发送新品目录", "电话确认是否收到"),
]


def _phone(rng) -> str:
    return f"0{rng.randint(10, 99)}-{rng.randint(60000000, 89999999)}"


def _values(session, type_key: str) -> list[str]:
    # Values only: labels need a request's locale, and the demo loads from the command line.
    entry = basedata.DictionaryEntry
    return list(session.scalars(select(entry.value).where(entry.type == type_key).order_by(entry.sort_order)))


def _activity(rng, customer, contact, city, today) -> Activity:
    """An activity by the customer's manager; recent ones have a next step, due around today, some done."""
    kind, summary, step = rng.choice(ACTIVITIES)
    day = today - timedelta(days=rng.choice([rng.randint(0, 14), rng.randint(0, 700)]))
    activity = Activity(customer=customer, owner=customer.manager, date=day, kind=kind, contact=contact,
                        place=city, summary=summary, details="", remark="")
    if step and today - day <= timedelta(days=14):
        activity.next_step = step
        activity.next_step_due = max(day, today + timedelta(days=rng.randint(-4, 10)))
        if activity.next_step_due < today and rng.random() < 0.4:
            activity.next_step_done_at = utcnow()
    return activity


def load(session) -> None:
    """Idempotent: does nothing when customers exist already."""
    if session.scalar(select(func.count(Customer.id))):
        return
    rng = random.Random(2026)
    managers = list(session.scalars(select(User).where(User.username.in_(["manager1", "manager2", "manager3"]))))
    if not managers:
        managers = list(session.scalars(select(User).order_by(User.id).limit(1)))
    regions = [region for region in _values(session, basedata.REGION) if region in CITIES_BY_REGION] or ["beijing"]
    banks = _values(session, basedata.BANK) or [""]
    products = list(session.scalars(select(basedata.Product)))
    today = utcnow().date()
    numbers = Counter()
    names = set()
    for i in range(CUSTOMERS):
        created = today - timedelta(days=rng.randint(400, 760))
        region = rng.choice(regions)
        city = rng.choice(CITIES_BY_REGION[region])
        name = f"{city}{rng.choice(STEMS)}{rng.choice(TRADES)}{rng.choice(FORMS)}"
        while name in names:
            name = f"{city}{rng.choice(STEMS)}{rng.choice(STEMS)}{rng.choice(TRADES)}{rng.choice(FORMS)}"
        names.add(name)
        prefix = "KH" + created.strftime("%Y%m%d")
        numbers[prefix] += 1
        customer = Customer(
            number=f"{prefix}{numbers[prefix]:05d}", name=name, region=region,
            manager=rng.choice(managers), level=str(rng.choice([1, 1, 1, 2, 2, 3, 4, 5])),
            satisfaction=str(rng.randint(2, 5)), credit=str(rng.randint(2, 5)),
            address=f"{city}市{rng.choice(STREETS)}{rng.randint(1, 300)}号", postcode=f"{rng.randint(100000, 850000)}",
            phone=_phone(rng), fax=_phone(rng), email=f"info@example{i + 1}.cn", website=f"www.example{i + 1}.cn",
            licence_no=f"{rng.randint(10**14, 10**15 - 1)}", legal_person=rng.choice(SURNAMES) + rng.choice(GIVEN),
            capital=Decimal(rng.randint(50, 5000)), turnover=Decimal(rng.randint(100, 20000)),
            bank=rng.choice(banks), bank_account=f"{rng.randint(10**15, 10**16 - 1)}",
            local_tax_no=f"{rng.randint(10**14, 10**15 - 1)}", national_tax_no=f"{rng.randint(10**14, 10**15 - 1)}",
            created_at=datetime.combine(created, datetime.min.time()) + timedelta(hours=rng.randint(8, 18)),
        )
        session.add(customer)
        contacts = [Contact(customer=customer, name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                            sex=rng.choice(["male", "female"]), position=rng.choice(POSITIONS),
                            office_phone=_phone(rng), mobile=f"1{rng.randint(3000000000, 8999999999)}",
                            email=f"contact{n + 1}@example{i + 1}.cn", is_main=n == 0)
                    for n in range(rng.randint(1, 3))]
        session.add_all(contacts)
        for _n in range(rng.randint(0, 5)):
            session.add(_activity(rng, customer, rng.choice(contacts), city, today))
        # One customer in four stopped ordering more than six months ago: the churn scan warns about them.
        last_day = rng.randint(200, 400) if i % 4 == 0 else rng.randint(0, 150)
        for n in range(rng.randint(1, 6) if products else 0):
            when = today - timedelta(days=last_day + n * rng.randint(20, 90))
            order = Order(customer=customer, number=f"DD{when:%Y%m%d}{i:03d}{n}", date=when,
                          address=customer.address, status=ORDER_PAID if when < today - timedelta(days=60) else
                          rng.choice([ORDER_PAID, ORDER_UNPAID]))
            for product in rng.sample(products, min(len(products), rng.randint(1, 3))):
                order.lines.append(OrderLine(product=product, quantity=Decimal(rng.randint(1, 50)),
                                             unit=product.unit, price=product.price))
            session.add(order)
    session.flush()
    # Warn about the customers who stopped ordering, as the nightly job would, so the demo shows churn
    # warnings at once. Like the rest of ``load`` it runs only once; the scan skips warned customers anyway.
    churn.scan()
    _confirm_some_losses(session, rng, today)
    session.flush()
    rfm.store_scores()  # as the nightly job would: the customer value analysis reads them at once


LOSS_REASONS = ["价格太高，转向竞争对手", "公司搬迁，不再采购", "业务调整，需求取消", "对售后服务不满意", "资金困难，暂停合作"]


def _confirm_some_losses(session, rng: random.Random, today) -> None:
    """One warning in five was confirmed lost over the last two years: the churn analysis has something to show."""
    warned = session.scalars(select(churn.ChurnRecord).where(churn.ChurnRecord.status == churn.WARNING)
                             .order_by(churn.ChurnRecord.id)).all()
    for record in warned[::5]:
        record.status, record.reason = churn.LOST, rng.choice(LOSS_REASONS)
        record.lost_at = datetime.combine(today - timedelta(days=rng.randint(0, 700)), datetime.min.time()) \
            + timedelta(hours=rng.randint(8, 18))
        record.customer.status = STATUS_LOST
