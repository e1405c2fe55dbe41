"""Reading stored records of any version: a value this version cannot read does not make the
whole record unreadable; it is kept aside, raw."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

T = TypeVar("T")


def convert(data: dict[str, Any], cls: type[T]) -> tuple[T, dict[str, Any]]:
    """``data`` (a record's fields) as ``cls`` (lax: "1" reads as 1), and the fields whose
    value it could not take, raw."""
    try:
        return msgspec.convert(data, cls, strict=False), {}
    except msgspec.ValidationError:  # one odd value (hand-made, older): keep the rest
        good, bad = {}, {}
        for key, value in data.items():
            try:
                msgspec.convert({key: value}, cls, strict=False)
            except msgspec.ValidationError:
                bad[key] = value
            else:
                good[key] = value
        return msgspec.convert(good, cls, strict=False), bad
