"""Uploaded video creatives: checked by their contents, stored with Django storage, usable by ads
together with an identity; every refusal says what is wrong and keeps nothing."""

from __future__ import annotations

import struct
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bizlink.ads import actions, media, queries
from bizlink.ads.models import Ad, Video
from bizlink.core.errors import InvalidInput, Refused
from bizlink.demo.data import Demo
from tests.ads.conftest import LoginAs, identity
from tests.web.pages import page

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _upload(data: bytes, name: str = "launch.mp4") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="video/mp4")


def test_probe_reads_type_and_length_from_the_contents() -> None:
    info = media.probe_video(_upload(media.sample_mp4(12.5)), name="a.mp4", size=10)
    assert info == media.VideoInfo("video/mp4", Decimal("12.500"))
    # Version-1 movie header (64-bit times), QuickTime brand.
    mvhd = struct.pack(">B3xQQIQ", 1, 0, 0, 600, 600 * 42) + b"\0" * 80
    moov = struct.pack(">I4s", 16 + len(mvhd), b"moov") + struct.pack(
        ">I4s", 8 + len(mvhd), b"mvhd"
    )
    qt = struct.pack(">I4s4sI", 16, b"ftyp", b"qt  ", 0) + moov + mvhd
    assert media.probe_video(_upload(qt), name="b.MOV", size=len(qt)).duration == Decimal("42.000")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (media.sample_mp4(), "clip.gif", "Upload the video as an .mp4 or .mov file."),
        (b"GIF89a" + b"\0" * 40, "clip.mp4", "not an MP4 or MOV video"),
        (media.sample_mp4(0.4), "clip.mp4", "ad videos run 1 to 600 seconds"),
        (media.sample_mp4(601), "clip.mp4", "ad videos run 1 to 600 seconds"),
        (media.sample_mp4()[:24], "clip.mp4", "no readable movie header"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_kept(
    demo: Demo, media_root: Path, data: bytes, name: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        actions.upload_video(
            demo.users["ben"], demo.ad_accounts["main"], title="Clip", upload=_upload(data, name)
        )
    assert message in refused.value.message and refused.value.field == "file"
    assert not Video.objects.exists()
    assert not any(p.is_file() for p in media_root.rglob("*"))


def test_size_limit_is_checked_before_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(media, "MAX_VIDEO_BYTES", 1000)
    with pytest.raises(InvalidInput, match="upload at most"):
        media.probe_video(_upload(media.sample_mp4(padding=2000)), name="a.mp4", size=2100)


def test_upload_stores_the_file_and_an_ad_uses_it_with_an_identity(
    demo: Demo, media_root: Path
) -> None:
    ben, main = demo.users["ben"], demo.ad_accounts["main"]
    video = actions.upload_video(
        ben, main, title=" Launch cut ", upload=_upload(media.sample_mp4(20, padding=100))
    )
    assert (video.title, video.duration, video.content_type) == (
        "Launch cut",
        Decimal("20.000"),
        "video/mp4",
    )
    stored = media_root / video.file.name
    assert stored.is_file() and stored.stat().st_size == video.size
    assert "launch" not in video.file.name  # stored under a random name
    group = Ad.objects.get(name="Crumb shot").ad_group
    ad = actions.create_ad(
        ben, group, {"name": "Video ad", "identity": str(identity(demo).pk), "video": str(video.pk)}
    )
    assert ad.video == video and ad.post is None and ad.in_review
    # Either a post or a video, not both; another ad account's video is not offered.
    with pytest.raises(InvalidInput, match="not both"):
        actions.update_ad(
            ben,
            ad,
            {
                "name": "Video ad",
                "identity": str(identity(demo).pk),
                "video": str(video.pk),
                "post": str(demo.accounts["maya.bakes"].posts.first().pk),  # type: ignore[union-attr]
            },
        )
    promo_group = Ad.objects.get(name="Honey cake story").ad_group
    with pytest.raises(InvalidInput, match="this ad account's uploaded videos"):
        actions.create_ad(
            ben,
            promo_group,
            {"name": "X", "identity": str(identity(demo, "promo").pk), "video": str(video.pk)},
        )
    copy = actions.duplicate_ad(ben, ad)
    assert copy.video == video


def test_only_people_who_manage_ads_may_upload(demo: Demo) -> None:
    with pytest.raises(Refused):
        actions.upload_video(
            demo.users["maya"],  # owns the identity, is no member of the ad account
            demo.ad_accounts["main"],
            title="X",
            upload=_upload(media.sample_mp4()),
        )
    assert not Video.objects.exists()


def test_creative_library_page_uploads_lists_and_serves(demo: Demo, login_as: LoginAs) -> None:
    ben = login_as("ben")
    main = demo.ad_accounts["main"]
    url = reverse("web:ads_videos", args=[main.pk])
    bad = ben.post(url, {"title": "Oops", "file": _upload(b"not a video", "oops.mp4")})
    assert bad.status_code == 400
    assert "not an MP4 or MOV video" in page(bad).by_testid("form-error").text
    done = ben.post(url, {"title": "Teaser", "file": _upload(media.sample_mp4(9))})
    assert done.status_code == 302
    listed = page(ben.get(url)).by_testid("videos").text
    assert "Teaser" in listed and "9.0 s" in listed
    video = queries.videos(main).get()
    served = ben.get(reverse("web:ads_video_file", args=[main.pk, video.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "video/mp4"
    assert b"".join(served.streaming_content) == media.sample_mp4(9)  # type: ignore[attr-defined]
    # Someone outside the ad account gets "not found", not the file.
    outsider = login_as("alex")
    assert outsider.get(reverse("web:ads_video_file", args=[main.pk, video.pk])).status_code == 404
    # The ad form offers the video.
    group = Ad.objects.get(name="Crumb shot").ad_group
    form = ben.get(reverse("web:ads_ad_new", args=[main.pk, group.pk]))
    assert b"Teaser" in form.content


def test_the_business_api_shows_a_video_ad_by_its_video_id(demo: Demo) -> None:
    from bizlink.api.ads import _ad

    ben, main = demo.users["ben"], demo.ad_accounts["main"]
    video = actions.upload_video(ben, main, title="Cut", upload=_upload(media.sample_mp4(5)))
    group = Ad.objects.get(name="Crumb shot").ad_group
    ad = actions.create_ad(
        ben, group, {"name": "Video ad", "identity": str(identity(demo).pk), "video": str(video.pk)}
    )
    shown = _ad(ad, main)
    assert (shown["video_id"], shown["tiktok_item_id"]) == (str(video.pk), None)
    spark = _ad(Ad.objects.get(name="Crumb shot"), main)
    assert spark["video_id"] is None and spark["tiktok_item_id"]
