"""The Sites row allauth's mails print ("Hello from …", the domain under the signature).

Django's own default row says example.com, which a user takes for phishing; this writes the
deployment's SITE_NAME and the host of SITE_URL instead. Run `migrate myropo zero` and
`migrate` again after changing either setting.
"""

from django.conf import settings
from django.db import migrations


def write_site(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    Site.objects.update_or_create(
        pk=settings.SITE_ID,
        defaults={"domain": settings.SITE_DOMAIN, "name": settings.SITE_NAME},
    )


class Migration(migrations.Migration):
    dependencies = [("sites", "0002_alter_domain_unique")]

    operations = [migrations.RunPython(write_site, migrations.RunPython.noop)]
