from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django.views.i18n import set_language as django_set_language

from accounts import hooks
from accounts.context import acting_context_set, acting_state
from accounts.forms import (
    AuthorizationForm,
    InviteMemberForm,
    OrganisationClaimForm,
    OrganisationForm,
    ProfileForm,
    RoleForm,
)
from accounts.models import Invitation, Membership, Organisation, Role
from accounts.selectors import (
    authorization_history,
    authorizations_given_by,
    authorizations_received_by,
    identity_of,
    members_of,
    membership_in,
    memberships_of,
    open_invitations_of,
)
from accounts.services import (
    AccountsError,
    InvitationInvalid,
    authorization_grant,
    invitation_accept,
    invitation_cancel,
    invitation_description,
    invitation_from_token,
    membership_change_role,
    membership_invite,
    membership_remove,
    organisation_register,
    user_set_language,
    user_update_profile,
)
from accounts.services import authorization_revoke as authorization_revoke_service


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user_update_profile(
            user=request.user, data={f: form.cleaned_data[f] for f in form.changed_data}
        )
        # The next page is in the saved language; so is the message it shows.
        translation.activate(request.user.preferred_language)
        messages.success(request, _("Your profile was saved."))
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also remembers the choice in a signed-in user's profile."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_set_language(user=request.user, language=language)
    return django_set_language(request)


# --- Strong identification -----------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def identification(request: HttpRequest) -> HttpResponse:
    configured = bool(settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS"))
    return render(
        request,
        "accounts/identification.html",
        {
            "identity": identity_of(request.user),
            "provider_id": settings.OIDC_PROVIDER_ID,
            "configured": configured,
        },
    )


# --- Companies -----------------------------------------------------------------------------


def _membership_or_404(request: HttpRequest, pk: int) -> Membership:
    membership = membership_in(request.user, pk)
    if membership is None:
        raise Http404
    return membership


def _require_admin(membership: Membership) -> None:
    if membership.role != Role.ADMIN:
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def companies(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = organisation_register(
                user=request.user,
                name=form.cleaned_data["name"],
                business_id=form.cleaned_data["business_id"],
            )
        except AccountsError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "%(name)s was registered and you are its administrator. Customer service "
                    "verifies the company; until then it sees the invoices you add by number "
                    "and reference."
                )
                % {"name": organisation.name},
            )
            return redirect("accounts:company", pk=organisation.pk)
    return render(
        request,
        "accounts/companies.html",
        {"form": form, "memberships": memberships_of(request.user)},
    )


def _company_context(request: HttpRequest, membership: Membership, **extra) -> dict:
    organisation = membership.organisation
    is_admin = membership.role == Role.ADMIN
    return {
        "membership": membership,
        "organisation": organisation,
        "is_admin": is_admin,
        "members": members_of(organisation),
        "invitations": open_invitations_of(organisation) if is_admin else [],
        "invite_form": extra.pop("invite_form", None) or InviteMemberForm(),
        "claim_form": extra.pop("claim_form", None) or OrganisationClaimForm(),
        "roles": Role.choices,
        **extra,
    }


def _company_page(request: HttpRequest, membership: Membership, status: int = 200, **extra):
    template = "accounts/company_detail.html"
    if request.htmx and not request.htmx.history_restore_request and status == 200:
        template += "#members"
    return render(request, template, _company_context(request, membership, **extra), status=status)


@login_required
@require_http_methods(["GET"])
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership_or_404(request, pk)
    return render(request, "accounts/company_detail.html", _company_context(request, membership))


@login_required
@require_POST
def company_invite(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership_or_404(request, pk)
    _require_admin(membership)
    form = InviteMemberForm(request.POST)
    if form.is_valid():
        try:
            membership_invite(
                organisation=membership.organisation,
                invited_by=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except AccountsError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("An invitation was sent to %(email)s. The link is valid for 7 days.")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("accounts:company", pk=pk)
    return render(
        request,
        "accounts/company_detail.html",
        _company_context(request, membership, invite_form=form),
        status=400,
    )


@login_required
@require_POST
def company_claim(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership_or_404(request, pk)
    form = OrganisationClaimForm(request.POST)
    if form.is_valid():
        claiming = hooks.organisation_claim()
        try:
            invoice = claiming.claim(
                user=request.user,
                organisation=membership.organisation,
                number=form.cleaned_data["number"],
                reference=form.cleaned_data["reference"],
            )
        except (AccountsError, claiming.refused) as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Invoice %(number)s now belongs to %(name)s.")
                % {"number": invoice.number, "name": membership.organisation.name},
            )
            return redirect("accounts:company", pk=pk)
    return render(
        request,
        "accounts/company_detail.html",
        _company_context(request, membership, claim_form=form),
        status=400,
    )


def _member_or_404(organisation: Organisation, member_pk: int) -> Membership:
    member = organisation.memberships.select_related("user", "organisation").filter(pk=member_pk)
    found = member.first()
    if found is None:
        raise Http404
    return found


@login_required
@require_POST
def member_role(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    membership = _membership_or_404(request, pk)
    _require_admin(membership)
    member = _member_or_404(membership.organisation, member_pk)
    form = RoleForm(request.POST)
    error = None
    if form.is_valid():
        try:
            membership_change_role(
                actor=request.user, membership=member, role=form.cleaned_data["role"]
            )
        except AccountsError as refused:
            error = refused.message
    else:
        error = _("Choose a role.")
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("The role was changed."))
    if request.htmx:
        return _company_page(request, _membership_or_404(request, pk))
    return redirect("accounts:company", pk=pk)


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    membership = _membership_or_404(request, pk)
    member = _member_or_404(membership.organisation, member_pk)
    if member.pk != membership.pk:
        _require_admin(membership)
    try:
        membership_remove(actor=request.user, membership=member)
    except AccountsError as error:
        messages.error(request, error.message)
        return redirect("accounts:company", pk=pk)
    if member.pk == membership.pk:
        messages.success(request, _("You left %(name)s.") % {"name": membership.organisation.name})
        return redirect("accounts:companies")
    messages.success(request, _("%(user)s was removed.") % {"user": member.user})
    if request.htmx:
        return _company_page(request, membership)
    return redirect("accounts:company", pk=pk)


@login_required
@require_POST
def company_invitation_cancel(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    membership = _membership_or_404(request, pk)
    _require_admin(membership)
    invitation = Invitation.objects.filter(
        pk=invitation_pk, organisation=membership.organisation
    ).first()
    if invitation is None:
        raise Http404
    invitation_cancel(actor=request.user, invitation=invitation)
    messages.success(request, _("The invitation was cancelled."))
    return redirect("accounts:company", pk=pk)


# --- Authorizations ------------------------------------------------------------------------


def _administered(request: HttpRequest) -> list[Organisation]:
    return [m.organisation for m in memberships_of(request.user) if m.role == Role.ADMIN]


@login_required
@require_http_methods(["GET", "POST"])
def authorizations(request: HttpRequest) -> HttpResponse:
    form = AuthorizationForm(request.POST or None, organisations=_administered(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                authorization_grant(
                    granted_by=request.user,
                    organisation=form.organisation(),
                    email=form.cleaned_data["email"],
                    scopes=form.cleaned_data["scopes"],
                    valid_until=form.cleaned_data["valid_until"],
                )
            except AccountsError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _(
                        "An invitation was sent to %(email)s. The authorization starts when "
                        "they accept it."
                    )
                    % {"email": form.cleaned_data["email"]},
                )
                return redirect("accounts:authorizations")
        status = 400
    return render(
        request,
        "accounts/authorizations.html",
        {
            "form": form,
            "given": authorizations_given_by(request.user),
            "received": authorizations_received_by(request.user),
            "history": authorization_history(request.user)[:50],
        },
        status=status,
    )


@login_required
@require_POST
def authorization_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    authorization = (
        authorizations_given_by(request.user).filter(pk=pk).first()
        or authorizations_received_by(request.user).filter(pk=pk).first()
    )
    if authorization is None:
        raise Http404
    try:
        authorization_revoke_service(actor=request.user, authorization=authorization)
    except AccountsError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The authorization was ended."))
    return redirect("accounts:authorizations")


# --- Invitations ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = invitation_from_token(token)
    except InvitationInvalid as error:
        return render(request, "accounts/invitation.html", {"error": error.message}, status=400)
    if request.method == "POST":
        try:
            accepted = invitation_accept(token=token, user=request.user)
        except AccountsError as error:
            return render(
                request,
                "accounts/invitation.html",
                {"error": error.message, "invitation": found},
                status=400 if isinstance(error, InvitationInvalid) else 403,
            )
        next_url = getattr(accepted, "next_url", None)
        if next_url:
            messages.success(request, _("Invitation accepted."))
            return redirect(next_url)
        if accepted.organisation_id:
            messages.success(
                request,
                _("You joined %(name)s.") % {"name": accepted.organisation.name},
            )
            acting_context_set(request, f"org:{accepted.organisation_id}")
            return redirect("invoices:list")
        messages.success(
            request,
            _("You accepted the authorization from %(name)s.")
            % {"name": accepted.authorization.grantor_label},
        )
        acting_context_set(request, f"auth:{accepted.authorization_id}")
        return redirect("invoices:list")
    return render(
        request,
        "accounts/invitation.html",
        {"invitation": found, "token": token, "description": invitation_description(found)},
    )


# --- Acting context ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def acting_as(request: HttpRequest) -> HttpResponse:
    """Switches between "myself", an organisation and "on behalf of" an authorizer."""
    if request.method == "POST":
        chosen = acting_context_set(request, request.POST.get("context", "self"))
        if chosen is None:
            messages.error(request, _("That choice is no longer available."))
            return redirect("accounts:acting_as")
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = ""
        return redirect(next_url or "invoices:list")
    template = "accounts/acting_as.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#switcher"  # the header's switcher, loaded after the page
    return render(request, template, {"acting": acting_state(request)})
