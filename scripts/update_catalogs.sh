#!/usr/bin/env bash
# Re-extracts every translatable string into locale/{fi,sv,en}; English is filled from the
# msgids (msgen), Finnish and Swedish entries that are new stay empty until translated (a test
# fails while any is empty or fuzzy).
set -euo pipefail
cd "$(dirname "$0")/.."
DEBUG=1 .venv/bin/python manage.py makemessages -l fi -l sv -l en \
  --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench --no-obsolete
# English is the msgids themselves: empty every msgstr (msgmerge's fuzzy guesses included),
# then fill each from its msgid.
en=locale/en/LC_MESSAGES/django.po
msgfilter --keep-header --no-wrap -i "$en" -o "$en.tmp" sed -e d
msgattrib --no-wrap --clear-fuzzy "$en.tmp" | msgen --no-wrap - -o "$en"
rm -f "$en.tmp"
for lang in fi sv; do
  echo "$lang: $(msgattrib --untranslated --no-obsolete locale/$lang/LC_MESSAGES/django.po | grep -c '^msgid' || true) untranslated (incl. header)"
done
