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
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

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
            for step in steps:  # as the ORM's compiler calls them: with the column
                value = step(value, col, connection)
            return value

        return convert

    return tuple(one(f) for f in model._meta.concrete_fields)


@functools.cache
def _attnames(model: type[Model]) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


@functools.cache
def _stores_plainly(model: type[Model]) -> bool:
    """Whether `Model.__init__` would only store each value: every concrete field is read
    through Django's plain deferred attribute (a foreign key's id too), none through a
    descriptor of its own (files, ...)."""
    plain = (DeferredAttribute, ForeignKeyDeferredAttribute)
    return all(type(model.__dict__.get(f.attname)) in plain for f in model._meta.concrete_fields)


def instance_from_row(model: type[_M], values: Sequence[Any]) -> _M:
    """One instance from its concrete fields' values, in `_meta.concrete_fields` order.

    As `Model.from_db` builds it; where `__init__` would only store the values (and nothing
    listens for the model's init signals), they are stored directly: `__init__` setting
    twenty-odd attributes one by one was a third of building the rows of a Business API call.
    """
    converted = [
        v if convert is None else convert(v)
        for convert, v in zip(converters(model), values, strict=True)
    ]
    if (
        not _stores_plainly(model)
        or pre_init.has_listeners(model)
        or post_init.has_listeners(model)
    ):
        return model.from_db(connection.alias, _attnames(model), converted)
    instance = model.__new__(model)
    state = ModelState()
    state.adding = False
    state.db = connection.alias
    instance.__dict__.update(zip(_attnames(model), converted, strict=True), _state=state)
    return instance
