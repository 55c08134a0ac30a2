from allauth.mfa.apps import MFAConfig
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _
from django_celery_beat.apps import BeatConfig


class MyRopoConfig(AppConfig):
    name = "myropo"
    default = True

    def ready(self) -> None:
        from myropo.images import refuse_truncated_images

        refuse_truncated_images()


class MyRopoAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "myropo.admin_site.MyRopoAdminSite"


# Third-party apps under names our catalogs translate: the Finnish admin said "MFA" and
# "PERIODIC TASKS" (neither package ships Finnish or Swedish).
class TwoFactorConfig(MFAConfig):
    verbose_name = _("Two-factor authentication")


class ScheduledTasksConfig(BeatConfig):
    verbose_name = _("Scheduled tasks")
