"""Lists sorted by customer name follow pinyin on zh_CN pages (an indexed sort key), the name elsewhere."""
import re

from sqlalchemy import select

from core.api import db
from plugins.customers.models import Customer
from plugins.customers.name_order import sort_key

# 阿(a) 北(bei) 长(chang) 大(da) 郑(zheng): pinyin order; their Unicode order is 北 长 大 郑 阿.
NAMES = ["郑州远航物流有限公司", "北京华信科技有限公司", "阿里山茶业有限公司", "大连海纳贸易有限公司", "长沙星辰电子有限公司"]
PINYIN = ["阿里山茶业有限公司", "北京华信科技有限公司", "长沙星辰电子有限公司", "大连海纳贸易有限公司", "郑州远航物流有限公司"]


def _listed(page: str) -> list[str]:
    return [name for name in re.findall(r">([^<>]+有限公司)</a>", page) if name in NAMES]


def test_the_customer_list_sorts_names_by_pinyin_in_chinese(app, login_as, customer_form):
    manager = login_as("account_manager", language="zh_CN")
    for number, name in enumerate(NAMES):
        form = customer_form(manager.user_id, name=name, phone=f"021-6666888{number}")  # no duplicate phones
        assert manager.post("/customers/new", data=form).status_code == 302
    assert _listed(manager.get("/customers/?sort=name").get_data(as_text=True)) == PINYIN
    assert _listed(manager.get("/customers/?sort=-name").get_data(as_text=True)) == PINYIN[::-1]
    english = login_as("account_manager", language="en")
    with app.app_context():
        db.session.execute(Customer.__table__.update().values(manager_id=english.user_id))
        db.session.commit()
    assert _listed(english.get("/customers/?sort=name").get_data(as_text=True)) == sorted(NAMES)


def test_a_renamed_customer_gets_a_new_sort_key(app, add_customer):
    customer_id = add_customer(None, name="北京华信")
    with app.app_context():
        customer = db.session.get(Customer, customer_id)
        assert customer.name_sort == sort_key("北京华信")
        customer.name = "Acme 阿"
        db.session.commit()
        assert db.session.scalar(select(Customer.name_sort)) == sort_key("acme 阿")
