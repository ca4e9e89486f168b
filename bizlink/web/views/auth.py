"""Log in, sign up, log out."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bizlink.accounts import actions as account_actions
from bizlink.core.errors import InvalidInput
from bizlink.web.guards import public

login_view = public(
    LoginView.as_view(template_name="web/auth/login.html", redirect_authenticated_user=True)
)


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
