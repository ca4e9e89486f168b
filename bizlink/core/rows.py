"""Model instances from rows of hand-written SQL, built the way the ORM builds them.

For the few reads on every Business API call, where compiling an ORM statement cost more than
running it (docs/scaling.md): the SQL text and these converters are kept between calls, never
the rows.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model

_M = TypeVar("_M", bound=Model)


@functools.cache
def converters(model: type[Model]) -> tuple[Callable[[Any], Any] | None, ...]:
    """Per column, what turns a database value into the ORM's (SQLite datetimes, booleans,
    JSON, ...); None where the value is taken as it comes (most columns on PostgreSQL)."""

    def one(field: Any) -> Callable[[Any], Any] | None:
        col = field.get_col(field.model._meta.db_table)
        steps = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if not steps:
            return None

        def convert(value: Any) -> Any:
            for step in steps:
                value = step(value, field, connection)
            return value

        return convert

    return tuple(one(f) for f in model._meta.concrete_fields)


@functools.cache
def _attnames(model: type[Model]) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


def instance_from_row(model: type[_M], values: Sequence[Any]) -> _M:
    """One instance from its concrete fields' values, in `_meta.concrete_fields` order."""
    converted = [
        v if convert is None else convert(v)
        for convert, v in zip(converters(model), values, strict=True)
    ]
    return model.from_db(connection.alias, _attnames(model), converted)
