"""The creditor API (issue 15, item 8): what a creditor's own systems integrate with.

Per-creditor keys (`keys`), the django-ninja endpoints (`endpoints`); the OpenAPI document is
generated from the endpoints' schemas at /api/creditor/v1/openapi.json.
"""
