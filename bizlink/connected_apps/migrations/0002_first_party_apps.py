"""The two first-party apps every creator sees under *Active apps*."""

from django.db import migrations

FIRST_PARTY = [
    (
        "tiktok-for-business",
        "TikTok for Business",
        "Ads Manager and marketing tools: use your account as an ad identity.",
    ),
    (
        "business-center",
        "Business Center",
        "Lets Business Centers you approve manage access to your account.",
    ),
]


def create(apps, schema_editor):
    Application = apps.get_model("oauth2_provider", "Application")
    AppProfile = apps.get_model("connected_apps", "AppProfile")
    for slug, name, description in FIRST_PARTY:
        if AppProfile.objects.filter(slug=slug).exists():
            continue
        app = Application.objects.create(
            name=name,
            client_type="confidential",
            authorization_grant_type="authorization-code",
            redirect_uris="",
            skip_authorization=False,
        )
        AppProfile.objects.create(
            application=app, slug=slug, first_party=True, description=description
        )


class Migration(migrations.Migration):
    dependencies = [
        ("connected_apps", "0001_initial"),
        ("oauth2_provider", "0022_refreshtoken_token_family_index"),
    ]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
