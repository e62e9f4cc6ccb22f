"""Realistic Chinese company names, people and phone numbers for the benchmark data.

About 5 % of the company names contain 华信 (the stem below); no other stem,
city or trade can form 华信 with its neighbour (no piece ends with 华 or starts
with 信), so a search for 华信 finds exactly those. About 2 % carry a Latin
brand, for Latin searches.
"""
from __future__ import annotations

import random

CITIES = ["北京", "上海", "天津", "重庆", "石家庄", "太原", "郑州", "武汉", "长沙", "广州", "深圳", "沈阳",
          "长春", "哈尔滨", "大连", "成都", "西安", "兰州", "昆明", "贵阳", "南宁", "济南", "青岛", "杭州",
          "南京", "苏州", "无锡", "宁波", "厦门", "福州", "合肥", "南昌", "呼和浩特", "乌鲁木齐", "银川",
          "西宁", "拉萨", "海口", "珠海", "佛山", "东莞", "温州", "烟台", "洛阳", "徐州", "常州"]
STEMS = ["宏达", "金鼎", "瑞丰", "鼎盛", "恒通", "嘉禾", "远航", "天成", "中联", "博远", "新锐", "汇通", "永泰",
         "星辰", "东方", "安和", "盛世", "凯旋", "明德", "锦程", "润泽", "腾飞", "同创", "海纳", "正泰", "德隆",
         "华润", "华联", "华天", "中科", "万达", "金桥", "银河", "长城", "泰和", "富源", "广源", "宝丰", "联合",
         "启明", "恒瑞", "康达", "美达", "佳美", "合众", "信达", "信诚", "诚信", "立信", "国信", "晨光", "先锋",
         "蓝天", "绿源", "紫金", "青松", "白云", "黄河", "长江", "泰山", "昆仑", "天山", "南山", "北辰"]
HUAXIN = "华信"
BRANDS = ["Sunrise", "Apex", "Orient", "Nova", "Delta", "Zenith", "Pacific", "Vertex"]
TRADES = ["科技", "电子", "贸易", "机械", "建材", "物流", "医药", "食品", "软件", "化工", "纺织", "通信",
          "网络", "能源", "环保", "汽车", "设备", "咨询", "传媒", "文化", "实业", "投资", "农业", "服装"]
FORMS = ["有限公司", "股份有限公司", "集团有限公司", "有限责任公司"]
STREETS = ["中山路", "人民路", "建设大道", "解放路", "长江路", "黄河路", "科技园路", "新华街", "和平路", "友谊路"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英",
         "建华", "志强", "丽", "平", "刚", "桂英", "婷", "晨", "浩"]
POSITIONS = ["总经理", "采购经理", "财务总监", "技术主管", "行政主管", "销售总监", "副总经理", "项目经理"]
SUMMARIES = ["上门拜访，介绍新产品", "电话回访，了解使用情况", "商务洽谈，讨论年度合同", "参加客户年会",
             "处理售后问题", "邀请参观公司展厅", "节日问候", "技术交流会"]
NEXT_STEPS = ["发送报价单", "安排产品演示", "跟进合同签署", "回访使用情况", "确认交货时间", "邀请参加展会"]

# A piece ending in 华 followed by one starting with 信 would make an unplanned 华信.
assert not any(piece.endswith("华") for piece in CITIES + STEMS + BRANDS)
assert not any(piece.startswith("信") for piece in TRADES + FORMS)
assert not any(HUAXIN in piece for piece in CITIES + STEMS + TRADES + FORMS)


def company(rng: random.Random) -> tuple[str, str]:
    """(name, city): 5 % with 华信, 2 % with a Latin brand."""
    city = rng.choice(CITIES)
    draw = rng.random()
    stem = HUAXIN if draw < 0.05 else rng.choice(BRANDS) if draw < 0.07 else rng.choice(STEMS)
    return f"{city}{stem}{rng.choice(TRADES)}{rng.choice(FORMS)}", city


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def phone(rng: random.Random) -> str:
    return f"0{rng.randint(10, 999)}-{rng.randint(60000000, 89999999)}"


def mobile(rng: random.Random) -> str:
    return f"1{rng.randint(3000000000, 8999999999)}"
