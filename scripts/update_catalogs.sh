#!/usr/bin/env bash
# Re-extracts every translatable string into locale/{fi,sv,en}; English is filled from the
# msgids (msgen), Finnish and Swedish entries that are new stay empty until translated (a test
# fails while any is empty or fuzzy).
set -euo pipefail
cd "$(dirname "$0")/.."
DEBUG=1 .venv/bin/python manage.py makemessages -l fi -l sv -l en \
  --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench --no-obsolete
msgen --no-wrap locale/en/LC_MESSAGES/django.po -o locale/en/LC_MESSAGES/django.po.new
mv locale/en/LC_MESSAGES/django.po.new locale/en/LC_MESSAGES/django.po
for lang in fi sv; do
  echo "$lang: $(msgattrib --untranslated --no-obsolete locale/$lang/LC_MESSAGES/django.po | grep -c '^msgid' || true) untranslated (incl. header)"
done
