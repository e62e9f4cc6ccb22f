"""Customer management (客户管理): customers, contacts, activities, orders, churn."""
from core.api import lazy_gettext as _l

name = "customers"
title = _l("Customers")
version = "0.1.0"
requires = ("basedata",)
