"""`core.rows.instance_from_row` builds the same model objects the ORM builds, for every model,
whether it stores the values directly or goes through `Model.from_db`."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Model
from django.db.models.signals import post_init

from bizlink.core.rows import instance_from_row
from bizlink.demo.data import Demo

pytestmark = pytest.mark.django_db


def _state(obj: Model) -> dict[str, Any]:
    return {k: v for k, v in obj.__dict__.items() if k != "_state"} | {
        "_state": (obj._state.adding, obj._state.db, obj._state.fields_cache)
    }


def _row(obj: Model) -> list[Any]:
    """The object's row as the database sends it (SQLite's text datetimes included)."""
    model = type(obj)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in model._meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {model._meta.db_table} WHERE {model._meta.pk.column} = %s",
            [model._meta.pk.get_db_prep_value(obj.pk, connection)],
        )
        return list(cursor.fetchone())


def test_every_model_is_built_as_the_orm_builds_it(demo: Demo) -> None:
    checked = 0
    for model in apps.get_models():
        for orm in model._default_manager.order_by("pk")[:3]:
            built = instance_from_row(model, _row(orm))
            assert type(built) is model
            assert _state(built) == _state(orm), model.__name__
            assert built == orm and built.pk == orm.pk
            checked += 1
    assert checked > 50


def test_a_model_with_an_init_listener_is_built_through_its_init(demo: Demo) -> None:
    from bizlink.businesses.models import BusinessCenter

    seen: list[Model] = []

    def listener(sender: Any, instance: Model, **kwargs: Any) -> None:
        seen.append(instance)

    orm = BusinessCenter.objects.order_by("pk").first()
    assert orm is not None
    post_init.connect(listener, sender=BusinessCenter)
    try:
        built = instance_from_row(BusinessCenter, _row(orm))
    finally:
        post_init.disconnect(listener, sender=BusinessCenter)
    assert seen == [built] and _state(built) == _state(orm)
    assert not instance_from_row(BusinessCenter, _row(orm))._state.adding
