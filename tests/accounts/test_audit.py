"""Audit rows are immutable and read-only for staff in the admin."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from accounts.models import AuditEvent
from accounts.services import organisation_register


def test_audit_events_cannot_be_changed_or_deleted(alice):
    organisation_register(user=alice, name="Kirjanpito Oy", business_id="2874409-5")
    event = AuditEvent.objects.get()
    event.data = {"tampered": True}
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    assert AuditEvent.objects.get().data == {"business_id": "2874409-5"}


def test_the_admin_shows_audit_events_read_only(staff):
    model_admin = admin.site._registry[AuditEvent]
    request = RequestFactory().get("/admin/")
    request.user = staff
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
