from django.urls import include, path

from accounts import oidc, views

# "profile" stays un-namespaced (the header links to it); everything else is "accounts:…".
account_patterns = [
    path("identification/", views.identification, name="identification"),
    path("identification/oidc/<str:provider_id>/login/", oidc.oidc_login, name="oidc_login"),
    path(
        "identification/oidc/<str:provider_id>/callback/",
        oidc.oidc_callback,
        name="oidc_callback",
    ),
    path("companies/", views.companies, name="companies"),
    path("companies/<int:pk>/", views.company_detail, name="company"),
    path("companies/<int:pk>/invite/", views.company_invite, name="company_invite"),
    path("companies/<int:pk>/claim/", views.company_claim, name="company_claim"),
    path(
        "companies/<int:pk>/members/<int:member_pk>/role/",
        views.member_role,
        name="member_role",
    ),
    path(
        "companies/<int:pk>/members/<int:member_pk>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path(
        "companies/<int:pk>/invitations/<int:invitation_pk>/cancel/",
        views.company_invitation_cancel,
        name="company_invitation_cancel",
    ),
    path("authorizations/", views.authorizations, name="authorizations"),
    path(
        "authorizations/<int:pk>/revoke/", views.authorization_revoke, name="authorization_revoke"
    ),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("acting-as/", views.acting_as, name="acting_as"),
]

urlpatterns = [
    path("", views.profile, name="profile"),
    path("", include((account_patterns, "accounts"))),
]
