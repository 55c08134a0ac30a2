"""A local OpenID Connect provider on loopback, speaking the real protocol, for the tests.

It behaves like a Finnish Trust Network broker: discovery document, JWKS, an authorization
endpoint that redirects back with a code (the person "identified" at once), a token endpoint
that checks the client secret, the redirect URI and PKCE and issues an RS256-signed ID token
with iss, aud, exp, iat, nonce, jti and the personal identity code claim.

`mode` makes it misbehave the way an attacker or a broken broker would:
"bad_signature" (signed with another key under the published kid), "wrong_audience",
"expired", "replayed_nonce" (a token carrying the previous login's nonce).
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

KID = "fake-ftn-key-1"


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Person:
    sub: str
    hetu: str
    given_name: str
    family_name: str


@dataclass
class FakeOIDCProvider:
    client_id: str = "myropo-test-client"
    client_secret: str = "fake-oidc-secret"
    hetu_claim: str = "urn:oid:1.2.246.21"
    person: Person = field(
        default_factory=lambda: Person("ftn-subject-1", "131052-308T", "Maija", "Meikäläinen")
    )
    mode: str = "good"
    key: rsa.RSAPrivateKey = field(default_factory=_new_key)
    other_key: rsa.RSAPrivateKey = field(default_factory=_new_key)
    codes: dict = field(default_factory=dict)
    nonces: list = field(default_factory=list)
    tokens_issued: int = 0

    def start(self) -> "FakeOIDCProvider":
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                provider._get(self)

            def do_POST(self) -> None:
                provider._post(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def app_settings(self) -> dict:
        """SOCIALACCOUNT_PROVIDERS pointing allauth at this fake, as settings.py builds it."""
        return {
            "openid_connect": {
                "provider_class": "accounts.oidc.StrongIdentificationProvider",
                "OAUTH_PKCE_ENABLED": True,
                "APPS": [
                    {
                        "provider_id": "ftn",
                        "name": "Strong identification (bank ID / mobile ID)",
                        "client_id": self.client_id,
                        "secret": self.client_secret,
                        "settings": {
                            "server_url": self.issuer,
                            "fetch_userinfo": False,
                            "oauth_pkce_enabled": True,
                        },
                    }
                ],
            }
        }

    # --- HTTP ---------------------------------------------------------------------------

    def _json(self, handler: BaseHTTPRequestHandler, body: dict, status: int = 200) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _get(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/.well-known/openid-configuration":
            return self._json(handler, self.discovery())
        if url.path == "/jwks":
            public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
            return self._json(
                handler, {"keys": [{**public, "kid": KID, "alg": "RS256", "use": "sig"}]}
            )
        if url.path == "/authorize":
            return self._authorize(handler, query)
        return self._json(handler, {"error": "not_found"}, 404)

    def _post(self, handler: BaseHTTPRequestHandler) -> None:
        if urlsplit(handler.path).path != "/token":
            return self._json(handler, {"error": "not_found"}, 404)
        length = int(handler.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(handler.rfile.read(length).decode()).items()}
        client_id, secret = form.get("client_id"), form.get("client_secret")
        auth = handler.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        if client_id != self.client_id or secret != self.client_secret:
            return self._json(handler, {"error": "invalid_client"}, 401)
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
            return self._json(handler, {"error": "invalid_grant"}, 400)
        if grant.get("code_challenge"):
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if challenge != grant["code_challenge"]:
                return self._json(handler, {"error": "invalid_grant"}, 400)
        return self._json(
            handler,
            {
                "access_token": secrets.token_urlsafe(24),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.id_token(grant["nonce"]),
            },
        )

    def _authorize(self, handler: BaseHTTPRequestHandler, query: dict) -> None:
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return self._json(handler, {"error": "invalid_request"}, 400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "nonce": query.get("nonce", ""),
            "redirect_uri": query["redirect_uri"],
            "code_challenge": query.get("code_challenge", ""),
        }
        self.nonces.append(query.get("nonce", ""))
        location = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.end_headers()

    # --- Tokens -------------------------------------------------------------------------

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "profile"],
        }

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": self.person.sub,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "jti": secrets.token_hex(8),
            "name": f"{self.person.given_name} {self.person.family_name}",
            "given_name": self.person.given_name,
            "family_name": self.person.family_name,
            self.hetu_claim: self.person.hetu,
        }
        key = self.key
        if self.mode == "bad_signature":
            key = self.other_key
        elif self.mode == "wrong_audience":
            claims["aud"] = "somebody-else"
        elif self.mode == "expired":
            claims["iat"], claims["exp"] = now - 900, now - 600
        elif self.mode == "replayed_nonce":
            claims["nonce"] = self.nonces[-2] if len(self.nonces) > 1 else "an-old-nonce"
        self.tokens_issued += 1
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})
