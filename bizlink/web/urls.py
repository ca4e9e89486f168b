from django.urls import path

from bizlink.web.views import auth, business, changes, home

app_name = "web"

BC = "business/<int:bc_id>/"
TT = BC + "assets/tiktok-accounts/<int:account_id>/"
AD = BC + "assets/ad-accounts/<int:ad_account_id>/"

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("signup/", auth.signup, name="signup"),
    path("accounts/", home.my_accounts, name="my_accounts"),
    path("accounts/switch/", home.switch_account, name="switch_account"),
    path("accounts/<int:account_id>/", home.account_profile, name="account_profile"),
    path("requests/<int:link_id>/respond/", home.respond_link_request, name="respond_link"),
    path("invitations/<int:link_id>/respond/", home.respond_invitation, name="respond_invite"),
    path("changes/<uuid:change_id>/", changes.change_result, name="change_result"),
    # Business Center
    path("business/", business.bc_index, name="bc_index"),
    path("business/new/", business.bc_create, name="bc_create"),
    path(BC, business.bc_home, name="bc_home"),
    path(BC + "assets/tiktok-accounts/", business.tiktok_accounts, name="bc_tiktok_accounts"),
    path(TT, business.tiktok_account, name="bc_tiktok_account"),
    path(TT + "disconnect/", business.tiktok_account_disconnect, name="bc_tiktok_disconnect"),
    path(TT + "assign/", business.tiktok_account_assign, name="bc_tiktok_assign"),
    path(TT + "ad-accounts/", business.tiktok_account_link_ad_account, name="bc_tiktok_link_ad"),
    path(
        TT + "permissions/<int:permission_id>/remove/",
        business.tiktok_permission_remove,
        name="bc_tiktok_permission_remove",
    ),
    path(BC + "assets/ad-accounts/", business.ad_accounts, name="bc_ad_accounts"),
    path(AD, business.ad_account, name="bc_ad_account"),
    path(AD + "assign/", business.ad_account_assign, name="bc_ad_assign"),
    path(
        AD + "permissions/<int:permission_id>/remove/",
        business.ad_permission_remove,
        name="bc_ad_permission_remove",
    ),
    path(BC + "settings/people/", business.people, name="bc_people"),
    path(
        BC + "settings/people/<int:member_id>/remove/",
        business.person_remove,
        name="bc_person_remove",
    ),
    path(BC + "settings/people/<int:member_id>/role/", business.person_role, name="bc_person_role"),
    path(BC + "partners/", business.partners, name="bc_partners"),
]
