"""Strings of third-party packages that ship no Finnish or Swedish for them, so that
`makemessages` puts them into our catalogs (which Django reads before the packages' own).

Never imported for its behaviour: the msgids must stay exactly as the packages write them.
Found by tests/test_rendered_translations.py on the Finnish and Swedish admin.
"""

from django.utils.translation import gettext_noop

VENDOR_STRINGS = [
    # Django 6.0's admin, newer than its Finnish and Swedish catalogs.
    gettext_noop("Change or view list link"),
    gettext_noop("Run"),
    gettext_noop("Search %(name)s"),
    # django-celery-beat (no fi/sv locale at all): the names in the admin's index and lists.
    gettext_noop("periodic task"),
    gettext_noop("periodic tasks"),
    gettext_noop("interval"),
    gettext_noop("intervals"),
    gettext_noop("crontab"),
    gettext_noop("crontabs"),
    gettext_noop("clocked"),
    gettext_noop("solar event"),
    gettext_noop("solar events"),
    gettext_noop("periodic task track"),
    gettext_noop("periodic task tracks"),
    gettext_noop("Name"),
    gettext_noop("Enabled"),
    gettext_noop("Interval Schedule"),
    gettext_noop("Start Datetime"),
    gettext_noop("Last Run Datetime"),
    gettext_noop("One-off Task"),
    gettext_noop("Enable selected tasks"),
    gettext_noop("Disable selected tasks"),
    gettext_noop("Toggle activity of selected tasks"),
    gettext_noop("Run selected tasks"),
    gettext_noop("Clock Time"),
    gettext_noop("Solar Event"),
    gettext_noop("Latitude"),
    gettext_noop("Longitude"),
    gettext_noop("Number of Periods"),
    gettext_noop("Interval Period"),
    gettext_noop("Minute(s)"),
    gettext_noop("Hour(s)"),
    gettext_noop("Day(s) Of The Month"),
    gettext_noop("Month(s) Of The Year"),
    gettext_noop("Day(s) Of The Week"),
    gettext_noop("Cron Timezone"),
]
