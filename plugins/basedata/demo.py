"""Demo products and stock (``crm init --demo``); loading twice adds nothing."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from plugins.basedata.models import Product, Stock

# name, model, grade/batch, unit, unit price, memo
PRODUCTS = [
    ("激光打印机", "HP LaserJet M404dn", "A级 2024-03", "台", "2399.00", "黑白双面，网络打印"),
    ("激光打印机", "HP LaserJet M404dn", "B级 2023-11", "台", "1999.00", "展示机，外观轻微划痕"),
    ("彩色喷墨打印机", "Epson L15158", "A级 2024-05", "台", "5299.00", "A3+ 彩色，墨仓式"),
    ("多功能一体机", "Canon iR2625", "A级 2024-01", "台", "11800.00", "复印/打印/扫描"),
    ("笔记本电脑", "ThinkPad T14 Gen 4", "A级 2024-06", "台", "7999.00", "i5 / 16GB / 512GB"),
    ("笔记本电脑", "ThinkPad X1 Carbon Gen 11", "A级 2024-06", "台", "12999.00", "i7 / 32GB / 1TB"),
    ("台式电脑", "Lenovo ThinkCentre M90t", "A级 2024-02", "台", "5699.00", ""),
    ("显示器", "Dell P2723DE", "A级 2024-04", "台", "2199.00", "27 英寸 QHD"),
    ("投影仪", "Epson CB-FH52", "A级 2023-12", "台", "4699.00", "会议室用，1080p"),
    ("碎纸机", "Deli 9935", "A级 2024-03", "台", "899.00", ""),
    ("A4 复印纸", "Double A 80g", "A级 2024-07", "箱", "168.00", "每箱 5 包，每包 500 张"),
    ("硒鼓", "HP 59A CF259A", "原装 2024-05", "支", "699.00", "适用 M404 系列"),
    ("墨水", "Epson 008 四色套装", "原装 2024-04", "套", "396.00", ""),
    ("交换机", "Huawei S5735-L24T4X", "A级 2024-01", "台", "3280.00", "24 口千兆"),
    ("无线路由器", "TP-Link XDR6088", "A级 2024-05", "台", "799.00", "Wi-Fi 6"),
    ("办公椅", "Sihoo M57", "A级 2024-02", "把", "699.00", "人体工学"),
]

# product index, warehouse, location, quantity
STOCK = [
    (0, "北京总仓", "A-01-01", 35), (0, "上海仓", "B-02-03", 18), (0, "广州仓", "C-01-02", 12),
    (1, "北京总仓", "A-01-02", 6),
    (2, "北京总仓", "A-02-01", 10), (2, "上海仓", "B-01-01", 4),
    (3, "北京总仓", "A-03-01", 5), (3, "成都仓", "D-01-01", 2),
    (4, "北京总仓", "A-04-01", 60), (4, "上海仓", "B-03-01", 42), (4, "广州仓", "C-02-01", 25),
    (4, "成都仓", "D-02-01", 15),
    (5, "北京总仓", "A-04-02", 20), (5, "上海仓", "B-03-02", 12),
    (6, "北京总仓", "A-05-01", 30), (6, "广州仓", "C-03-01", 14),
    (7, "北京总仓", "A-06-01", 48), (7, "上海仓", "B-04-01", 30), (7, "成都仓", "D-03-01", 10),
    (8, "北京总仓", "A-07-01", 7), (8, "广州仓", "C-04-01", 3),
    (9, "上海仓", "B-05-01", 22),
    (10, "北京总仓", "A-08-01", 400), (10, "上海仓", "B-06-01", 260), (10, "广州仓", "C-05-01", 180),
    (10, "成都仓", "D-04-01", 90),
    (11, "北京总仓", "A-09-01", 75), (11, "上海仓", "B-07-01", 40),
    (12, "北京总仓", "A-09-02", 55),
    (13, "北京总仓", "A-10-01", 9), (13, "成都仓", "D-05-01", 4),
    (14, "上海仓", "B-08-01", 33), (14, "广州仓", "C-06-01", 21),
    (15, "北京总仓", "A-11-01", 16),
]


def load(session) -> None:
    """Add the demo products and their stock unless products exist already."""
    if session.scalar(select(Product.id).limit(1)) is not None:
        return
    products = [Product(name=name, model=model, batch=batch, unit=unit, price=Decimal(price), memo=memo)
                for name, model, batch, unit, price, memo in PRODUCTS]
    session.add_all(products)
    session.add_all(Stock(product=products[index], warehouse=warehouse, location=location, quantity=quantity)
                    for index, warehouse, location, quantity in STOCK)
