"""Demo data: about 150 sales opportunities over every status and stage, with plans, history and outcomes."""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Integer, String, column, func, select, table

from core.api import User, utcnow

from plugins.basedata import services as basedata
from plugins.customers import services as customers
from plugins.marketing.models import (
    DEVELOPING, LOST, UNASSIGNED, WON, Opportunity, PlanItem, Stage, StageChange,
)
from plugins.marketing.seed import LOST_REASON

OPPORTUNITIES = 150
# Prospects' cities and the seeded region each lies in: a won prospect becomes a customer of that region.
CITY_REGIONS = {"北京": "beijing", "天津": "north_china", "太原": "north_china", "广州": "central_south",
                "深圳": "central_south", "武汉": "central_south", "郑州": "central_south", "沈阳": "northeast",
                "哈尔滨": "northeast", "成都": "west", "西安": "west", "重庆": "west"}
CITIES = list(CITY_REGIONS)
STEMS = ["蓝海", "新星", "长风", "云端", "启明", "万象", "银河", "青松", "锐思", "卓越", "联创", "华康"]
TRADES = ["科技", "医疗", "教育", "物流", "制造", "零售", "能源", "传媒"]
NEEDS = ["采购办公电脑 %d 台", "升级机房服务器 %d 台", "年度网络设备维保 %d 项", "采购打印耗材 %d 箱",
         "部署视频会议系统 %d 间", "更换门店收银终端 %d 套"]
PLAN_ITEMS = ["电话了解需求", "上门拜访，演示样机", "发送产品方案", "提交报价单", "邀请参观展厅", "商务谈判，确认合同条款"]
RESULTS = ["客户有兴趣，约好下周见面", "已确认预算和时间表", "客户要求调整配置", "报价已收到，正在内部审批", "客户反馈良好"]
LOST_NOTES = {"price": "对方报价低约 10%", "competitor": "客户选择了竞争对手的方案", "budget": "今年预算被砍",
              "need_cancelled": "项目取消", "no_response": "多次联系无人回复", "other": "客户内部调整"}
SURNAMES = "王李张刘陈杨赵黄周吴"
# The demo customers (the customers plugin loaded its demo first); read by name only, no request needed.
_customer = table("customers_customer", column("id", Integer), column("name", String), column("manager_id", Integer))
GIVEN = ["伟", "芳", "敏", "静", "强", "磊", "洋", "勇", "杰", "涛"]


def load(session) -> None:
    """Idempotent: does nothing when opportunities exist already."""
    if session.scalar(select(func.count(Opportunity.id))):
        return
    rng = random.Random(2027)
    stages = list(session.scalars(select(Stage).order_by(Stage.sort_order, Stage.id)))
    users = {u.username: u for u in session.scalars(select(User))}
    managers = [users[name] for name in ("manager1", "manager2", "manager3") if name in users]
    director = users.get("director") or next(iter(users.values()), None)
    if not stages or not managers or director is None:
        return
    entry = basedata.DictionaryEntry
    sources = list(session.scalars(select(entry.value).where(entry.type == basedata.OPPORTUNITY_SOURCE))) or [""]
    reasons = list(session.scalars(select(entry.value).where(entry.type == LOST_REASON))) or ["other"]
    known = list(session.execute(select(_customer.c.id, _customer.c.name, _customer.c.manager_id)
                                 .order_by(_customer.c.id).limit(60)))
    now = utcnow()
    today = now.date()
    # status mix: 25 unassigned, 70 developing over the stages, 30 won, 25 lost
    plan = [UNASSIGNED] * 25 + [DEVELOPING] * 70 + [WON] * 30 + [LOST] * 25
    for n, status in enumerate(plan[:OPPORTUNITIES]):
        created = now - timedelta(days=rng.randint(5, 330), hours=rng.randint(0, 10))
        creator = director if n % 3 else rng.choice(managers)
        name = f"{rng.choice(CITIES)}{rng.choice(STEMS)}{rng.choice(TRADES)}有限公司"
        customer_id = None
        if status == WON and known and n % 2 == 0:
            customer_id, name, _manager = known[n % len(known)]  # a repeat sale to a demo customer
        opportunity = Opportunity(
            source=rng.choice(sources), customer_name=name, customer_id=customer_id, probability=10,
            summary=rng.choice(NEEDS) % rng.randint(5, 200), contact=rng.choice(SURNAMES) + rng.choice(GIVEN),
            contact_phone=f"1{rng.randint(3000000000, 8999999999)}", description="客户在展会或电话中表达了需求，需要进一步跟进。",
            amount=Decimal(rng.randrange(20_000, 2_000_000, 500)), status=UNASSIGNED,
            close_date=today + timedelta(days=rng.randint(-20, 200)), created_by_id=creator.id,
            created_at=created, updated_at=created)
        session.add(opportunity)
        session.flush()
        if status != UNASSIGNED:
            _develop(session, rng, opportunity, status, stages, managers, director, creator, created, now, reasons)
    session.flush()


def _develop(session, rng, opportunity, status, stages, managers, director, creator, created, now, reasons):
    """Assign, walk the stages (with history and a plan), then win or lose."""
    assignee = creator if creator in managers and rng.random() < .5 else rng.choice(managers)
    when = created + timedelta(days=rng.randint(0, 3))
    opportunity.assignee_id, opportunity.assigned_at = assignee.id, when
    last = rng.randrange(len(stages)) if status == DEVELOPING else rng.randint(1, len(stages) - 1)
    previous = (UNASSIGNED, None)
    for position in range(last + 1):
        stage = stages[position]
        session.add(StageChange(opportunity_id=opportunity.id, from_status=previous[0], from_stage_id=previous[1],
                                to_status=DEVELOPING, to_stage_id=stage.id,
                                changed_by_id=(director if position == 0 else assignee).id, changed_at=when))
        previous = (DEVELOPING, stage.id)
        opportunity.status, opportunity.stage_id, opportunity.probability = DEVELOPING, stage.id, stage.probability
        when = min(when + timedelta(days=rng.randint(3, 25)), now - timedelta(hours=1))
    _plan(session, rng, opportunity, assignee, created, now, status)
    if status in (WON, LOST):
        closed = now - timedelta(days=rng.randint(0, 90))
        closed = max(closed, when)
        session.add(StageChange(opportunity_id=opportunity.id, from_status=DEVELOPING, from_stage_id=previous[1],
                                to_status=status, to_stage_id=previous[1], changed_by_id=assignee.id, changed_at=closed))
        opportunity.status, opportunity.closed_at = status, closed
        opportunity.probability = 100 if status == WON else 0
        if status == LOST:
            opportunity.lost_reason = rng.choice(reasons)
            opportunity.lost_note = LOST_NOTES.get(opportunity.lost_reason, "")
        elif opportunity.customer_id is None:
            # Won into a new demo customer, as the won workflow does.
            region = next((region for city, region in CITY_REGIONS.items()
                           if opportunity.customer_name.startswith(city)), None)
            opportunity.customer_id = customers.create_customer_with_contact(
                opportunity.customer_name, assignee.id, region=region, contact_name=opportunity.contact,
                contact_phone=opportunity.contact_phone).id


def _plan(session, rng, opportunity, assignee, created, now, status):
    today = now.date()
    for number in range(rng.randint(1, 4)):
        day = created.date() + timedelta(days=3 + number * rng.randint(4, 15))
        if status == DEVELOPING and number == 0 and rng.random() < .3:
            day = today - timedelta(days=rng.randint(0, 3))  # due today or overdue: shows on the dashboard
        executed = day < today and (status != DEVELOPING or number > 0 or rng.random() < .6)
        session.add(PlanItem(
            opportunity_id=opportunity.id, date=day, item=rng.choice(PLAN_ITEMS),
            result=rng.choice(RESULTS) if executed else "",
            executed_at=datetime.combine(day, datetime.min.time()) + timedelta(hours=17) if executed else None,
            created_by_id=assignee.id, created_at=created, updated_at=created))
