"""Log in, sign up, log out."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bizlink.accounts import actions as account_actions
from bizlink.core.errors import InvalidInput
from bizlink.web.guards import public
from bizlink.web.middleware import client_ip


class BizlinkLoginView(LoginView):
    template_name = "web/auth/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
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
