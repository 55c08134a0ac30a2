from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class MyRopoConfig(AppConfig):
    name = "myropo"
    default = True


class MyRopoAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "myropo.admin_site.MyRopoAdminSite"
