from django.urls import path, register_converter
from django.urls.converters import IntConverter

from bizlink.web.views import (
    access,
    ads,
    app,
    audit_log,
    auth,
    business,
    catalogs,
    changes,
    data_assets,
    deliveries,
    developers,
    home,
    notifications,
    ops,
    partners,
    requests,
)

app_name = "web"


class IdConverter(IntConverter):
    """A database id: at most 18 digits, so an absurd number is "not found" (SQLite cannot even
    compare it with a 64-bit column and would raise OverflowError)."""

    regex = "[0-9]{1,18}"


register_converter(IdConverter, "id")

BC = "business/<id:bc_id>/"
TT = BC + "assets/tiktok-accounts/<id:account_id>/"
AD = BC + "assets/ad-accounts/<id:ad_account_id>/"
CAT = BC + "assets/catalogs/<id:catalog_id>/"
ADS = "ads/<id:ad_account_id>/"

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", ops.healthz, name="healthz"),
    path("healthz/live", ops.live, name="healthz_live"),
    path("metrics", ops.metrics_view, name="metrics"),
    path("login/", auth.login_view, name="login"),
    path("login/two-factor/", auth.login_two_factor, name="login_two_factor"),
    path("account/two-factor/", auth.two_factor, name="two_factor"),
    path("logout/", auth.logout_view, name="logout"),
    path("signup/", auth.signup, name="signup"),
    path("accounts/", home.my_accounts, name="my_accounts"),
    path("accounts/switch/", home.switch_account, name="switch_account"),
    path("accounts/<id:account_id>/", home.account_profile, name="account_profile"),
    path("requests/<id:link_id>/respond/", home.respond_link_request, name="respond_link"),
    path("invitations/<id:link_id>/respond/", home.respond_invitation, name="respond_invite"),
    path("changes/<uuid:change_id>/", changes.change_result, name="change_result"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path(
        "notifications/settings/",
        notifications.notification_settings,
        name="notification_settings",
    ),
    # App settings (the creator's side, mobile-first)
    path("app/", app.profile, name="app_profile"),
    path("app/settings/", app.settings_and_privacy, name="app_settings"),
    path("app/settings/security/", app.security, name="app_security"),
    path("app/settings/apps-and-websites/", app.apps_and_websites, name="app_apps"),
    path("app/settings/active-apps/", app.active_apps, name="app_active_apps"),
    path("app/settings/active-apps/<id:grant_id>/", app.active_app, name="app_active_app"),
    path(
        "app/settings/active-apps/<id:grant_id>/remove/",
        app.remove_access,
        name="app_remove_access",
    ),
    path("app/settings/who-has-access/", access.who_has_access, name="app_who_has_access"),
    path(
        "app/settings/who-has-access/<id:link_id>/remove/",
        access.remove_path,
        name="app_who_remove",
    ),
    path(
        "app/settings/disconnect-everywhere/",
        access.disconnect_everywhere,
        name="app_disconnect_everywhere",
    ),
    path("app/settings/activity-log/", audit_log.account_audit, name="app_audit"),
    path("app/settings/cache/", app.clear_cache, name="app_cache"),
    path("app/settings/sessions/", app.sessions, name="app_sessions"),
    path("app/settings/notifications/read/", app.read_notifications, name="app_read_notes"),
    path("app/settings/blocked/", app.blocked, name="app_blocked"),
    path("app/requests/", app.link_requests, name="app_link_requests"),
    path("app/requests/<id:link_id>/", app.link_request, name="app_link_request"),
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
        TT + "permissions/<id:permission_id>/remove/",
        business.tiktok_permission_remove,
        name="bc_tiktok_permission_remove",
    ),
    path(BC + "assets/ad-accounts/", business.ad_accounts, name="bc_ad_accounts"),
    path(BC + "assets/data/", data_assets.data_sources, name="bc_data"),
    path(BC + "assets/data/pixels/<id:pixel_id>/", data_assets.pixel, name="bc_pixel"),
    path(BC + "assets/data/syncs/<id:binding_id>/", data_assets.sync_status, name="bc_data_sync"),
    path(
        BC + "assets/data/syncs/<id:binding_id>/stop/",
        data_assets.sync_stop,
        name="bc_data_sync_stop",
    ),
    path(
        BC + "assets/data/syncs/<id:binding_id>/resume/",
        data_assets.sync_resume,
        name="bc_data_sync_resume",
    ),
    path(BC + "assets/data/audiences/", data_assets.audiences, name="bc_audiences"),
    path(BC + "assets/data/audiences/<id:audience_id>/", data_assets.audience, name="bc_audience"),
    path(
        BC + "assets/data/audiences/<id:audience_id>/shares/<id:binding_id>/cancel/",
        data_assets.audience_share_cancel,
        name="bc_audience_unshare",
    ),
    path(BC + "assets/data/catalogs/", data_assets.catalog_bindings, name="bc_data_catalogs"),
    path("pixel/events/", data_assets.collect, name="pixel_collect"),
    path("demo/shop/<str:code>/", data_assets.demo_shop, name="demo_shop"),
    path(BC + "assets/catalogs/", catalogs.catalog_list, name="bc_catalogs"),
    path(
        BC + "assets/catalogs/template.csv", catalogs.catalog_template, name="bc_catalog_template"
    ),
    path(CAT, catalogs.catalog_detail, name="bc_catalog"),
    path(CAT + "sets/", catalogs.product_sets, name="bc_catalog_sets"),
    path(CAT + "sets/<id:set_id>/", catalogs.product_set, name="bc_catalog_set"),
    path(
        CAT + "sets/<id:set_id>/delete/", catalogs.product_set_delete, name="bc_catalog_set_delete"
    ),
    path(CAT + "import/", catalogs.catalog_import, name="bc_catalog_import"),
    path(CAT + "imports/<id:import_id>/", catalogs.import_detail, name="bc_catalog_import_detail"),
    path(
        CAT + "imports/<id:import_id>/retry/",
        catalogs.import_retry,
        name="bc_catalog_import_retry",
    ),
    path(
        CAT + "imports/<id:import_id>/progress/",
        catalogs.import_progress,
        name="bc_catalog_import_progress",
    ),
    path(
        CAT + "imports/<id:import_id>/report.csv",
        catalogs.import_report,
        name="bc_catalog_import_report",
    ),
    path(AD, business.ad_account, name="bc_ad_account"),
    path(AD + "assign/", business.ad_account_assign, name="bc_ad_assign"),
    path(
        AD + "permissions/<id:permission_id>/remove/",
        business.ad_permission_remove,
        name="bc_ad_permission_remove",
    ),
    path(BC + "settings/people/", business.people, name="bc_people"),
    path(
        BC + "settings/people/<id:member_id>/remove/",
        business.person_remove,
        name="bc_person_remove",
    ),
    path(BC + "settings/people/<id:member_id>/role/", business.person_role, name="bc_person_role"),
    path(BC + "settings/security/", business.bc_security, name="bc_security"),
    path(BC + "partners/", business.partners, name="bc_partners"),
    path(BC + "partners/<id:link_id>/remove/", partners.partner_remove, name="bc_partner_remove"),
    path(
        BC + "partners/shares/<id:share_id>/level/",
        partners.share_level,
        name="bc_share_level",
    ),
    path(
        BC + "partners/shares/<id:share_id>/end-date/",
        partners.share_expiry,
        name="bc_share_expiry",
    ),
    path(
        BC + "partners/shares/<id:share_id>/remove/",
        partners.share_remove,
        name="bc_share_remove",
    ),
    path(
        BC + "settings/people/<id:member_id>/end-date/",
        partners.member_expiry,
        name="bc_member_expiry",
    ),
    path(BC + "settings/audit-log/", audit_log.business_audit, name="bc_audit"),
    path(
        BC + "settings/removal-requests/",
        requests.business_requests,
        name="bc_removal_requests",
    ),
    # Removal requests (from a refusal's "Request removal")
    path("requests/removal/", requests.my_requests, name="removal_requests"),
    path("requests/removal/new/", requests.new_request, name="removal_request_new"),
    path("requests/removal/<id:request_id>/", requests.request_detail, name="removal_request"),
    path(
        "requests/removal/<id:request_id>/decide/",
        requests.request_decide,
        name="removal_request_decide",
    ),
    # Developers: register third-party apps (OAuth clients)
    path("developers/apps/", developers.app_list, name="developer_apps"),
    path("developers/apps/new/", developers.app_create, name="developer_app_new"),
    path("developers/apps/<id:app_id>/", developers.app_detail, name="developer_app"),
    path(
        "developers/apps/<id:app_id>/rotate-secret/",
        developers.app_rotate_secret,
        name="developer_app_rotate",
    ),
    # Webhook delivery log of an app, for its developer
    path(
        "developers/apps/<id:app_id>/deliveries/",
        deliveries.delivery_log,
        name="app_deliveries",
    ),
    path(
        "developers/apps/<id:app_id>/deliveries/<id:message_id>/",
        deliveries.delivery_detail,
        name="app_delivery",
    ),
    path(
        "developers/apps/<id:app_id>/deliveries/<id:message_id>/replay/",
        deliveries.delivery_replay,
        name="app_delivery_replay",
    ),
    # Ads Manager
    path("ads/", ads.ads_index, name="ads_index"),
    path("ads/switch/", ads.ads_switch, name="ads_switch"),
    path("ads/new/", ads.ad_account_new, name="ads_ad_account_new"),
    path("ads/requests/", ads.identity_requests, name="ads_requests"),
    path("ads/requests/<id:link_id>/", ads.identity_request_respond, name="ads_request_respond"),
    path("ads/changes/<uuid:change_id>/", ads.change_result, name="ads_change"),
    path(
        "ads/my-accounts/<id:link_id>/remove/",
        ads.owned_identity_remove,
        name="ads_owned_identity_remove",
    ),
    path(ADS, ads.ads_home, name="ads_home"),
    path(ADS + "settings/", ads.account_settings, name="ads_settings"),
    path(ADS + "settings/users/", ads.user_management, name="ads_users"),
    path(ADS + "settings/users/members/", ads.members, name="ads_members"),
    path(
        ADS + "settings/users/members/<id:member_id>/delete/",
        ads.member_delete,
        name="ads_member_delete",
    ),
    path(ADS + "settings/users/linked-accounts/", ads.linked_accounts, name="ads_linked_accounts"),
    path(
        ADS + "settings/users/linked-accounts/<id:link_id>/remove/",
        ads.linked_account_remove,
        name="ads_linked_account_remove",
    ),
    path(ADS + "settings/billing/", ads.billing, name="ads_billing"),
    path(ADS + "campaigns/new/", ads.campaign_new, name="ads_campaign_new"),
    path(ADS + "campaigns/<id:campaign_id>/edit/", ads.campaign_edit, name="ads_campaign_edit"),
    path(
        ADS + "campaigns/<id:campaign_id>/ad-groups/new/",
        ads.ad_group_new,
        name="ads_ad_group_new",
    ),
    path(ADS + "ad-groups/<id:ad_group_id>/edit/", ads.ad_group_edit, name="ads_ad_group_edit"),
    path(ADS + "ad-groups/<id:ad_group_id>/ads/new/", ads.ad_new, name="ads_ad_new"),
    path(ADS + "ads/<id:ad_id>/edit/", ads.ad_edit, name="ads_ad_edit"),
    path(ADS + "<str:level>/<id:obj_id>/status/", ads.set_status, name="ads_set_status"),
    path(ADS + "videos/", ads.videos, name="ads_videos"),
    path(ADS + "videos/<id:video_id>/file", ads.video_file, name="ads_video_file"),
    path(ADS + "reports/", ads.reports_page, name="ads_reports"),
    path(ADS + "reports.csv", ads.reports_csv, name="ads_reports_csv"),
]
