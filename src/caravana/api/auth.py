"""Bearer-token auth for the API: `Authorization: Bearer cvn_…`."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from caravana.accounts.services import authenticate_token


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user
