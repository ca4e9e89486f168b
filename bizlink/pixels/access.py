"""Load a pixel or a data-asset sync for an actor, or raise NotFound (never "forbidden")."""

from __future__ import annotations

from bizlink.accounts.models import User
from bizlink.businesses.models import BusinessCenter
from bizlink.core.errors import NotFound
from bizlink.pixels.models import Pixel, SyncBinding
from bizlink.policy import decide


def pixel_for(actor: User, bc: BusinessCenter, pixel_id: int) -> Pixel:
    pixel = Pixel.objects.select_related("account", "business").filter(pk=pixel_id).first()
    if pixel is None or pixel.business_id != bc.pk:
        raise NotFound("No such pixel in this Business Center.")
    if not decide(actor, "business.view", bc).allowed:
        raise NotFound("No such pixel in this Business Center.")
    return pixel


def pixel_by_code_for(actor: User, code: str, bc: BusinessCenter | None = None) -> Pixel:
    pixel = Pixel.objects.select_related("account", "business").filter(code=code).first()
    if pixel is None or (bc is not None and pixel.business_id != bc.pk):
        raise NotFound(f"No pixel with code {code!r}.")
    if not decide(actor, "business.view", pixel.business).allowed:
        raise NotFound(f"No pixel with code {code!r}.")
    return pixel


def pixel_by_code(code: str) -> Pixel:
    """For the browser snippet, which (like any pixel) sends events without signing in."""
    pixel = Pixel.objects.filter(code=code).first()
    if pixel is None:
        raise NotFound(f"No pixel with code {code!r}.")
    return pixel


def binding_for(actor: User, bc: BusinessCenter, binding_id: int) -> SyncBinding:
    binding = (
        SyncBinding.objects.select_related("ad_account", "pixel", "link", "stopped_by")
        .filter(pk=binding_id, business=bc)
        .first()
    )
    if binding is None or not decide(actor, "business.view", bc).allowed:
        raise NotFound("No such data sync in this Business Center.")
    return binding
