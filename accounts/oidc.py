"""Strong identification (bank ID / mobile ID) through a Finnish Trust Network OIDC broker.

This is allauth's generic `openid_connect` provider (configured in settings from OIDC_ISSUER,
OIDC_CLIENT_ID and OIDC_CLIENT_SECRET) with what an identity proof needs on top:

- a `nonce` in every authorization request, kept in allauth's state and compared with the
  ID token's, so that a token issued for another login (a replay) is refused;
- the ID token's RS256 signature is always checked against the broker's JWKS (allauth skips
  that when the token came straight from the token endpoint; an identity code must not rest
  on the transport alone), as are its issuer, audience and expiry;
- the personal identity code is taken out of the claims before allauth stores them in
  `SocialAccount.extra_data`: it is kept only in `VerifiedIdentity` (and, between the callback
  and the sign-up form of a new user, in the server-side session).
"""

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp, SocialLogin
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from allauth.utils import build_absolute_uri
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.crypto import constant_time_compare, get_random_string
from django.utils.http import urlencode

PENDING_SESSION_KEY = "accounts.strong_identity"
NAME_CLAIMS = ("name", "given_name", "family_name")


def hetu_claim() -> str:
    return settings.OIDC_HETU_CLAIM


def is_strong_identification(sociallogin: SocialLogin) -> bool:
    return sociallogin.account.provider == settings.OIDC_PROVIDER_ID


def _full_name(claims: dict) -> str:
    name = claims.get("name") or " ".join(
        part for part in (claims.get("given_name"), claims.get("family_name")) if part
    )
    return str(name or "")[:200]


class StrongIdentificationAdapter(OpenIDConnectOAuth2Adapter):
    """allauth's OIDC adapter, with the nonce and the signature always checked."""

    state: dict | None = None

    def get_callback_url(self, request: HttpRequest, app) -> str:
        path = reverse("accounts:oidc_callback", kwargs={"provider_id": self.provider_id})
        return build_absolute_uri(request, path, self.redirect_uri_protocol)

    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict:
        claims = jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )
        expected = (self.state or {}).get("nonce") or ""
        if not expected or not constant_time_compare(str(claims.get("nonce", "")), expected):
            raise OAuth2Error("ID token nonce does not match this login")
        return claims

    def complete_login(self, request: HttpRequest, app, token, **kwargs) -> SocialLogin:
        if not kwargs["response"].get("id_token"):
            raise OAuth2Error("No ID token in the token response")
        login = super().complete_login(request, app, token, **kwargs)
        claim = hetu_claim()
        hetu = ""
        name = ""
        for part in ("id_token", "userinfo"):
            claims = login.account.extra_data.get(part) or {}
            # The code is popped from what allauth will store; the ID token's signed one wins.
            value = claims.pop(claim, None)
            hetu = hetu or str(value or "")
            name = name or _full_name(claims)
        request.session[PENDING_SESSION_KEY] = {
            "uid": login.account.uid,
            "hetu": hetu,
            "name": name,
        }
        login.strongly_identified = True
        return login


class StrongIdentificationProvider(OpenIDConnectProvider):
    """Registered as allauth's `openid_connect` provider class (SOCIALACCOUNT_PROVIDERS)."""

    oauth2_adapter_class = StrongIdentificationAdapter
    # allauth mounts `<package>.urls`; ours live in accounts.urls (this module is not a package).
    package = "allauth.socialaccount.providers.openid_connect"

    def get_login_url(self, request: HttpRequest, **kwargs) -> str:
        url = reverse("accounts:oidc_login", kwargs={"provider_id": self.app.provider_id})
        return f"{url}?{urlencode(kwargs)}" if kwargs else url

    def get_default_scope(self) -> list[str]:
        return ["openid", "profile"]

    def extract_email_addresses(self, data) -> list:
        # A bank ID proves a person, not an email address: MyRopo asks for one at sign-up.
        return []

    def redirect(self, request: HttpRequest, process, next_url=None, data=None, **kwargs):
        nonce = get_random_string(43)
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        auth_params["nonce"] = nonce
        # `nonce` also lands in allauth's stashed state, which the callback reads back.
        return super().redirect(
            request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs
        )

    def verify_token(self, request: HttpRequest, token):
        # Handing in an ID token obtained elsewhere (headless token login) would skip the nonce.
        raise get_adapter().validation_error("invalid_token")


class StrongIdentificationCallbackView(OAuth2CallbackView):
    def _get_state(self, request: HttpRequest, provider):
        state, response = super()._get_state(request, provider)
        self.adapter.state = state
        return state, response


def oidc_login(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        view = OAuth2LoginView.adapter_view(StrongIdentificationAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None


def oidc_callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        view = StrongIdentificationCallbackView.adapter_view(
            StrongIdentificationAdapter(request, provider_id)
        )
        return view(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None
