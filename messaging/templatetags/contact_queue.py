"""The staff queue's rows: what the admin's `{% result_list %}` renders, with the work that is
the same for every row done once per page.

Under a profile of bench/staff_queue.py most of the page's Python was `items_for_result`
asking per cell what depends only on the column (the empty-value text, the CSS classes,
whether it links) and building each cell with `format_html`. The cells come out the same:
tests/messaging/test_admin.py compares them with Django's own rendering.
"""

import datetime
from collections.abc import Iterator

from django import template
from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    _coerce_field_name,
    result_headers,
    result_hidden_fields,
    results,
)
from django.contrib.admin.utils import display_for_field, display_for_value, lookup_field
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _columns(cl) -> list[tuple[str, str, bool]]:
    """(field name, CSS classes, links to the change page) per column, as Django decides."""
    columns, first = [], True
    for index, name in enumerate(cl.list_display):
        if cl.list_display_links is None:
            link = False
        elif first and not cl.list_display_links:
            link = True
        else:
            link = name in cl.list_display_links
        first = first and not link
        columns.append((name, f"field-{_coerce_field_name(name, index)}", link))
    return columns


def _cells(cl, result, columns, empty: str) -> Iterator[SafeString]:
    first = True
    for name, classes, link in columns:
        empty_value_display = empty
        try:
            f, attr, value = lookup_field(name, result, cl.model_admin)
        except ObjectDoesNotExist:
            shown = empty_value_display
        else:
            empty_value_display = getattr(attr, "empty_value_display", empty_value_display)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            if f is None or f.auto_created:
                boolean = getattr(attr, "boolean", False)
                if isinstance(attr, property) and hasattr(attr, "fget"):
                    boolean = getattr(attr.fget, "boolean", False)
                shown = display_for_value(value, empty_value_display, boolean)
                if isinstance(value, (datetime.date, datetime.time)):
                    classes += " nowrap"
            else:
                if isinstance(f.remote_field, models.ManyToOneRel):
                    related = getattr(result, f.name)
                    shown = empty_value_display if related is None else related
                else:
                    shown = display_for_field(value, f, empty_value_display, avoid_link=link)
                if isinstance(f, (models.DateField, models.TimeField, models.ForeignKey)):
                    classes += " nowrap"
        if link:
            tag = "th" if first else "td"
            first = False
            # ContactChangeList's URL already carries the preserved filters.
            url = conditional_escape(cl.url_for_result(result))
            cell = f'<a href="{url}">{conditional_escape(shown)}</a>'
        else:
            tag = "td"
            cell = conditional_escape(shown)
        yield mark_safe(f'<{tag} class="{classes}">{cell}</{tag}>')


def rows(cl) -> list[ResultList]:
    if cl.formset or cl.is_popup or "action_checkbox" in cl.list_display:
        return list(results(cl))  # editable, popup or with actions: Django's own way
    columns = _columns(cl)
    empty = cl.model_admin.get_empty_value_display()
    return [ResultList(None, _cells(cl, result, columns, empty)) for result in cl.result_list]


@register.inclusion_tag("admin/change_list_results.html")
def contact_result_list(cl) -> dict:
    """`{% result_list cl %}` of the contact queue (django.contrib.admin's, faster rows)."""
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": rows(cl),
    }
