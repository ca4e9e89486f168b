"""Optional TOTP two-factor authentication (django-otp) and a Business Center's requirement of
it for all admins.

Codes come from the real TOTP algorithm over the device's key (django_otp.oath), as a phone
app would compute them.
"""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from bizlink.audit.models import AuditEvent
from bizlink.businesses import actions as bc_actions
from bizlink.core.errors import InvalidInput, Refused
from bizlink.demo.data import PASSWORD, Demo
from bizlink.links.models import Kind, Link, Status
from bizlink.policy import decide
from bizlink.twofactor import actions as twofactor
from tests.web.conftest import LoginAs
from tests.web.pages import page, text


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def set_up_totp(client: Client) -> TOTPDevice:
    """Through the pages: start, read the key from the answer, confirm with a code."""
    response = client.post(reverse("web:two_factor"), {"step": "start"})
    assert response.status_code == 200
    shown = page(response)
    assert "segno" in response.content.decode() and shown.has_testid("totp-qr")
    device = TOTPDevice.objects.get(confirmed=False)
    key_text = shown.by_testid("totp-key").text.replace(" ", "")
    from base64 import b32encode

    assert key_text == b32encode(device.bin_key).decode().rstrip("=")
    response = client.post(
        reverse("web:two_factor"),
        {"step": "confirm", "device": str(device.pk), "token": code_for(device)},
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_set_up_confirm_and_the_key_is_never_shown_again(demo: Demo, login_as: LoginAs) -> None:
    maya = login_as("maya")
    before = page(maya.get(reverse("web:two_factor")))
    assert "Off" in before.by_testid("two-factor-state").text
    device = set_up_totp(maya)
    after = maya.get(reverse("web:two_factor"))
    body = after.content.decode()
    assert "On" in page(after).by_testid("two-factor-state").text
    assert device.key not in body and "segno" not in body
    from base64 import b32encode

    assert b32encode(device.bin_key).decode().rstrip("=")[:8] not in body
    assert AuditEvent.objects.filter(action="two_factor.enabled", actor=demo.users["maya"]).exists()
    assert not any(device.key in (e.reason or "") for e in AuditEvent.objects.all())


def test_a_wrong_confirmation_code_does_not_enable_or_reshow_the_key(
    demo: Demo, login_as: LoginAs
) -> None:
    maya = login_as("maya")
    maya.post(reverse("web:two_factor"), {"step": "start"})
    device = TOTPDevice.objects.get(user=demo.users["maya"])
    wrong = code_for(device, steps_ahead=40)
    response = maya.post(
        reverse("web:two_factor"), {"step": "confirm", "device": str(device.pk), "token": wrong}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "That code is not right." in page(response).by_testid("two-factor-error").text
    assert device.key not in body and "segno" not in body
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    bad = maya.post(
        reverse("web:two_factor"), {"step": "confirm", "device": str(device.pk), "token": "12"}
    )
    assert "Enter the 6-digit code" in text(bad)


def test_sign_in_asks_for_the_code_when_there_is_a_device(demo: Demo, login_as: LoginAs) -> None:
    device = set_up_totp(login_as("maya"))
    client = Client()
    response = client.post(
        reverse("web:login"), {"username": "maya@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("web:login_two_factor")
    # Not signed in yet: a signed-in page sends back to the login.
    assert client.get(reverse("web:bc_index")).status_code == 302
    wrong = client.post(reverse("web:login_two_factor"), {"token": "000000"})
    assert "That code is not right." in text(wrong) or "Too many" in text(wrong)
    time.sleep(1.1)  # django-otp's throttle after one failure
    device.refresh_from_db()
    ok = client.post(reverse("web:login_two_factor"), {"token": code_for(device, steps_ahead=1)})
    assert ok.status_code == 302, text(ok)[-300:]
    assert client.get(reverse("web:bc_index")).status_code in (200, 302)
    assert client.session.get("otp_device_id")  # django-otp marks the session verified
    assert AuditEvent.objects.filter(action="user.signed_in", actor=demo.users["maya"]).exists()


def test_sign_in_without_a_device_is_one_step(demo: Demo) -> None:
    client = Client()
    response = client.post(
        reverse("web:login"), {"username": "sara@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] != reverse("web:login_two_factor")


def test_the_code_step_cannot_be_reached_or_reused_without_the_password(demo: Demo) -> None:
    client = Client()
    response = client.get(reverse("web:login_two_factor"))
    assert response.status_code == 302 and response["Location"] == reverse("web:login")


def test_too_many_wrong_sign_in_codes_start_over(demo: Demo, login_as: LoginAs) -> None:
    set_up_totp(login_as("maya"))
    client = Client()
    client.post(reverse("web:login"), {"username": "maya@example.com", "password": PASSWORD})
    for _ in range(5):
        response = client.post(reverse("web:login_two_factor"), {"token": "abc"})
    assert response.status_code == 302 and response["Location"] == reverse("web:login")
    assert client.get(reverse("web:login_two_factor"))["Location"] == reverse("web:login")


def test_turning_it_off_needs_a_current_code(demo: Demo, login_as: LoginAs) -> None:
    maya = login_as("maya")
    device = set_up_totp(maya)
    response = maya.post(reverse("web:two_factor"), {"step": "disable", "token": "12"})
    assert "Enter the 6-digit code" in text(response)
    assert TOTPDevice.objects.filter(user=demo.users["maya"]).exists()
    response = maya.post(
        reverse("web:two_factor"),
        {"step": "disable", "token": code_for(device, steps_ahead=1)},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=demo.users["maya"]).exists()


# --- Business Center: require two-factor authentication for all admins --------------------------


def _sara(demo: Demo) -> Link:
    return Link.objects.get(
        kind=Kind.MEMBERSHIP, business=demo.sunrise, user=demo.users["sara"], status=Status.ACTIVE
    )


def test_turning_it_on_needs_your_own_device_first(demo: Demo, login_as: LoginAs) -> None:
    ben = login_as("ben")
    url = reverse("web:bc_security", args=[demo.sunrise.pk])
    response = ben.post(url, {"require_two_factor": "on"}, follow=True)
    assert "Set up two-factor authentication for yourself first" in text(response)
    demo.sunrise.refresh_from_db()
    assert not demo.sunrise.require_two_factor


def test_admins_without_a_device_are_refused_and_sent_to_set_it_up(
    demo: Demo, login_as: LoginAs
) -> None:
    ben = login_as("ben")
    set_up_totp(ben)
    url = reverse("web:bc_security", args=[demo.sunrise.pk])
    response = ben.post(url, {"require_two_factor": "on"}, follow=True)
    assert "now required for all admins" in text(response)
    demo.sunrise.refresh_from_db()
    assert demo.sunrise.require_two_factor
    assert AuditEvent.objects.filter(action="business.two_factor_required").exists()
    # Ana (admin, no device) was told, in-app.
    assert demo.users["ana"].notifications.filter(kind="security.two_factor_required").exists()
    security = page(ben.get(url))
    assert "Not set up" in security.by_testid("admins-2fa").text

    ana = login_as("ana")
    people = ana.get(reverse("web:bc_people", args=[demo.sunrise.pk]))
    banner = page(people).by_testid("needs-2fa")
    assert reverse("web:two_factor") in people.content.decode()
    assert "requires two-factor authentication" in banner.text
    # Every admin action is refused with the reason and where to go, in one place (policy).
    sara = _sara(demo)
    decision = decide(demo.users["ana"], "member.remove", sara)
    assert not decision.allowed
    assert "requires two-factor authentication for all admins" in decision.reason
    assert "/account/two-factor/" in decision.remedy
    remove = ana.post(
        reverse("web:bc_person_remove", args=[demo.sunrise.pk, sara.pk]), {"step": "send"}
    )
    # The page sends her to set it up (the policy refuses it underneath anyway).
    assert remove.status_code == 302
    assert remove["Location"].startswith(reverse("web:two_factor"))
    with pytest.raises(Refused):
        bc_actions.invite_member(
            demo.users["ana"], demo.sunrise, email="x@example.com", role="STANDARD"
        )
    # Not an admin action: leaving yourself, and members who are not admins.
    ana_member = Link.objects.get(
        kind=Kind.MEMBERSHIP, business=demo.sunrise, user=demo.users["ana"], status=Status.ACTIVE
    )
    assert decide(demo.users["ana"], "member.remove", ana_member).allowed
    assert decide(demo.users["sara"], "member.remove", sara).allowed
    # Ben, with a device, acts as before; Ana sets one up and can act again.
    assert decide(demo.users["ben"], "member.remove", sara).allowed
    set_up_totp(ana)
    assert decide(demo.users["ana"], "member.remove", sara).allowed
    assert not page(ana.get(reverse("web:bc_people", args=[demo.sunrise.pk]))).has_testid(
        "needs-2fa"
    )


def test_the_requirement_does_not_touch_other_business_centers(demo: Demo) -> None:
    demo.sunrise.require_two_factor = True
    demo.sunrise.save(update_fields=["require_two_factor"])
    others = [bc for bc in (demo.northwind,) if bc.pk != demo.sunrise.pk]
    for bc in others:
        admins = Link.objects.filter(
            kind=Kind.MEMBERSHIP, business=bc, role="ADMIN", status=Status.ACTIVE
        )
        for admin in admins:
            assert decide(admin.user, "business.manage", bc).allowed


def test_confirmation_code_and_totp_secrets_stay_out_of_mail_and_audit(
    demo: Demo, login_as: LoginAs
) -> None:
    ben = login_as("ben")
    device = set_up_totp(ben)
    mail.outbox.clear()
    sara = _sara(demo)
    ben.post(reverse("web:bc_person_remove", args=[demo.sunrise.pk, sara.pk]), {"step": "send"})
    body = str(mail.outbox[-1].body)
    code = re.search(r"is (\d{6})", body)
    assert code
    rows = " ".join(AuditEvent.objects.values_list("reason", flat=True))
    assert code.group(1) not in rows.split() and device.key not in rows
    with pytest.raises(InvalidInput):
        twofactor.verify_totp(demo.users["sara"], "123456")  # no device: a clear refusal


def test_the_admin_never_shows_a_device_key(demo: Demo, login_as: LoginAs) -> None:
    device = set_up_totp(login_as("maya"))
    staff = Client()
    staff.force_login(
        type(demo.users["maya"]).objects.create_superuser(
            email="root@example.com", password="x-Str0ng-passw0rd!", name="Root"
        )
    )
    change = staff.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert change.status_code == 200
    assert device.key not in change.content.decode()
    assert staff.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/").status_code == 403


def test_admins_without_a_device_are_sent_to_set_it_up_and_brought_back(
    demo: Demo, login_as: LoginAs
) -> None:
    demo.sunrise.require_two_factor = True
    demo.sunrise.save(update_fields=["require_two_factor"])
    ana = login_as("ana")
    sara = _sara(demo)
    remove_url = reverse("web:bc_person_remove", args=[demo.sunrise.pk, sara.pk])
    setup = f"{reverse('web:two_factor')}?next={remove_url.replace('/', '%2F')}"
    response = ana.get(remove_url)
    assert response.status_code == 302 and response["Location"] == setup
    people_url = reverse("web:bc_people", args=[demo.sunrise.pk])
    role = ana.post(
        reverse("web:bc_person_role", args=[demo.sunrise.pk, sara.pk]),
        {"finance_role": ""},
        headers={"HX-Request": "true"},
    )
    assert role.status_code == 204
    assert (
        role["HX-Redirect"] == f"{reverse('web:two_factor')}?next={people_url.replace('/', '%2F')}"
    )
    invite = ana.post(people_url, {"email": "new@example.com", "role": "STANDARD"})
    assert invite.status_code == 302 and invite["Location"].startswith(reverse("web:two_factor"))
    # The set-up page explains why; once done, back to the removal.
    landing = ana.get(setup)
    assert "requires two-factor authentication for all admins" in text(landing)
    ana.post(setup, {"step": "start", "next": remove_url})
    device = TOTPDevice.objects.get(user=demo.users["ana"], confirmed=False)
    done = ana.post(
        reverse("web:two_factor"),
        {
            "step": "confirm",
            "device": str(device.pk),
            "token": code_for(device),
            "next": remove_url,
        },
    )
    assert done.status_code == 302 and done["Location"] == remove_url
    assert ana.get(remove_url).status_code == 200
    # Nothing changed on the way.
    sara.refresh_from_db()
    assert sara.status == Status.ACTIVE and sara.finance_role == "FINANCE_ANALYST"
    # Leaving yourself is never a detour.
    ana_member = Link.objects.get(
        kind=Kind.MEMBERSHIP, business=demo.sunrise, user=demo.users["ana"], status=Status.ACTIVE
    )
    TOTPDevice.objects.filter(user=demo.users["ana"]).delete()
    own = ana.get(reverse("web:bc_person_remove", args=[demo.sunrise.pk, ana_member.pk]))
    assert own.status_code == 200
