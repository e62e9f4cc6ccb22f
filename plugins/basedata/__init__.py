"""Base data (基础数据): the data dictionary, products and stock."""
from core.api import lazy_gettext as _l

name = "basedata"
title = _l("Base data")
version = "0.1.0"
requires = ()
