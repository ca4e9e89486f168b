"""Log in (with the second step when the person has an authenticator app), sign up, log out,
and setting up or removing two-factor authentication."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from bizlink.accounts import actions as account_actions
from bizlink.core import clock
from bizlink.core.errors import InvalidInput
from bizlink.twofactor import actions as twofactor
from bizlink.twofactor import queries as twofactor_queries
from bizlink.web.guards import public, signed_in
from bizlink.web.middleware import client_ip
from bizlink.web.views.common import form_id, safe_next

# Between the password and the code: who, when, where to go next (never a secret).
PENDING_KEY = "two_factor_pending"
PENDING_SECONDS = 300
PENDING_TRIES = 5


class BizlinkLoginView(LoginView):
    template_name = "web/auth/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if twofactor_queries.has_totp(user):
            # The password was right; the session is not signed in until the code is.
            self.request.session[PENDING_KEY] = {
                "user": user.pk,
                "backend": getattr(user, "backend", "django.contrib.auth.backends.ModelBackend"),
                "at": clock.now().timestamp(),
                "next": self.get_success_url(),
                "tries": 0,
            }
            return redirect("web:login_two_factor")
        response = super().form_valid(form)
        _record(self.request)
        return response


def _record(request: HttpRequest) -> None:
    """Every sign-in shows up in Sessions and devices; a new device triggers a notification."""
    if request.session.session_key is None:
        request.session.save()
    account_actions.record_sign_in(
        request.user,  # type: ignore[arg-type]
        session_key=request.session.session_key or "",
        user_agent=request.headers.get("User-Agent", ""),
        ip=client_ip(request),
    )


login_view = public(BizlinkLoginView.as_view())


@public
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home")
    values = {"email": "", "name": ""}
    error, field = "", ""
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("email", "name")}
        try:
            user = account_actions.sign_up(
                email=values["email"],
                name=values["name"],
                password=request.POST.get("password", ""),
            )
        except InvalidInput as exc:
            error, field = exc.message, exc.field or ""
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            _record(request)
            messages.success(
                request, f"Welcome, {user.name}. Create your first TikTok account below."
            )
            return redirect("web:my_accounts")
    return render(
        request, "web/auth/signup.html", {"values": values, "error": error, "field": field}
    )


@public
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are logged out.")
    return redirect("web:login")


def _pending(request: HttpRequest) -> dict[str, Any] | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if clock.now().timestamp() - float(pending.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    return pending


@public
@never_cache
def login_two_factor(request: HttpRequest) -> HttpResponse:
    """Sign-in, second step: the code from the person's authenticator app."""
    pending = _pending(request)
    if pending is None:
        messages.info(request, "Your sign-in took too long or was not started. Log in again.")
        return redirect("web:login")
    error = ""
    if request.method == "POST":
        user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
        if user is None:
            request.session.pop(PENDING_KEY, None)
            return redirect("web:login")
        try:
            device = twofactor.verify_totp(user, request.POST.get("token", ""))
        except InvalidInput as exc:
            pending["tries"] = int(pending.get("tries", 0)) + 1
            if pending["tries"] >= PENDING_TRIES:
                request.session.pop(PENDING_KEY, None)
                messages.error(request, "Too many wrong codes. Log in again.")
                return redirect("web:login")
            request.session[PENDING_KEY] = pending
            error = exc.message
        else:
            request.session.pop(PENDING_KEY, None)
            login(request, user, backend=pending["backend"])
            otp_login(request, device)
            _record(request)
            return redirect(pending.get("next") or "web:home")
    return render(request, "web/auth/login_two_factor.html", {"error": error})


@signed_in
@never_cache
def two_factor(request: HttpRequest) -> HttpResponse:
    """Security: set up an authenticator app (TOTP), confirm it with a code, or remove it.

    The key is shown once, in the answer to the POST that creates it (never cached, never
    shown again, never logged); a failed confirmation asks to start again rather than
    re-showing it.
    """
    user = request.user
    step = request.POST.get("step", "") if request.method == "POST" else ""
    context: dict[str, Any] = {
        "next": safe_next(request, ""),
        "enabled": twofactor_queries.has_totp(user),  # type: ignore[arg-type]
    }
    if step == "start":
        device = twofactor.start_totp_setup(user)  # type: ignore[arg-type]
        context.update(
            device_id=device.pk,
            qr_svg=twofactor_queries.setup_qr_svg(device),
            key_text=twofactor_queries.setup_key_text(device),
        )
    elif step == "confirm":
        device_id = form_id(request, "device")
        try:
            device = twofactor.confirm_totp(user, device_id, request.POST.get("token", ""))  # type: ignore[arg-type]
        except InvalidInput as exc:
            open_setup = twofactor_queries.open_setup(user, device_id)  # type: ignore[arg-type]
            context.update(error=exc.message, device_id=open_setup.pk if open_setup else None)
        else:
            otp_login(request, device)
            messages.success(
                request,
                "Two-factor authentication is on. Next time you log in, we will ask for a code "
                "from your authenticator app.",
            )
            return redirect(context["next"] or "web:two_factor")
    elif step == "disable":
        try:
            twofactor.disable_totp(user, request.POST.get("token", ""))  # type: ignore[arg-type]
        except InvalidInput as exc:
            context.update(error=exc.message)
        else:
            messages.success(request, "Two-factor authentication is off.")
            return redirect("web:two_factor")
    elif request.method == "POST":
        context.update(
            error="That form step is unknown. Use the buttons on this page: set up, confirm "
            "with a code, or turn two-factor authentication off."
        )
    response = render(request, "web/auth/two_factor.html", context)
    return response
