"""How customers are compared for duplicates: their name and phone reduced to keys.

Two customers are possibly the same when their name keys or their phone keys
are equal. The model stores both keys (indexed), so a lookup reads an index.
"""
from __future__ import annotations

import re
import unicodedata

# Company-form suffixes that do not tell two companies apart: "华信科技有限公司" is "华信科技".
_CHINESE_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团", "公司")
# Latin ones count only as separate words ("Acme Co., Ltd."), so "Costco" keeps its "co".
_LATIN_WORDS = ("co", "ltd", "limited", "inc", "corp", "corporation", "company", "group")
_LATIN_SUFFIX = re.compile(rf"(?<![a-z0-9])({'|'.join(_LATIN_WORDS)})$")
_TRIM = re.compile(r"[\W_]+$")   # spaces and punctuation at the end
_NOISE = re.compile(r"[\W_]+")   # spaces and punctuation anywhere
_NON_DIGITS = re.compile(r"\D")
MIN_PHONE_DIGITS = 6


def name_key(name: str | None) -> str:
    """The name as duplicates are compared: case, width, spaces, punctuation and company suffixes ignored."""
    text = unicodedata.normalize("NFKC", name or "").casefold().strip()
    whole = text
    while True:
        # The regular expressions and the suffixes one by one only where they can match (an import
        # checks 100,000 names at once): [\W_] is a character that is not alphanumeric (str.isalnum()
        # is \w without "_"); a suffix is one of the endings (endswith of the tuple first).
        if text and not text[-1].isalnum():
            text = _TRIM.sub("", text)
        suffix = next((s for s in _CHINESE_SUFFIXES if text.endswith(s) and len(text) > len(s)), None) \
            if text.endswith(_CHINESE_SUFFIXES) else None
        if suffix:
            text = text[:-len(suffix)]
            continue
        latin = _LATIN_SUFFIX.search(text) if text.endswith(_LATIN_WORDS) else None
        if latin and latin.start() > 0:
            text = text[:latin.start()]
            continue
        break
    if text.isalnum():  # no space or punctuation to take out
        return text[:200]
    # A name that is nothing but a suffix ("集团") or punctuation ("%") is compared whole,
    # never as an empty key that would match every other such name.
    return (_NOISE.sub("", text) or _NOISE.sub("", whole) or whole)[:200]


def phone_key(phone: str | None) -> str:
    """The phone number's digits without the +86 country code or the leading trunk 0; '' if too short."""
    digits = _NON_DIGITS.sub("", phone or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) > 11 and (phone or "").lstrip().startswith("+"):
        digits = digits[2:]
    digits = digits[1:] if digits.startswith("0") else digits
    return digits[:30] if len(digits) >= MIN_PHONE_DIGITS else ""
