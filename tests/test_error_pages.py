"""A page refused for the reader's role (403) or one that is not there (404) answers in the
reader's language, in the site's frame: it was Django's bare English page."""

import pytest

from caravana.accounts.models import Role
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "Not for your role"), ("es", "No es para su rol"), ("pt-br", "Não é para o seu papel")],
)
def test_a_page_for_other_roles_says_so_in_the_reader_s_language(client, language, words):
    client.force_login(f.user(Role.BUYER, username="ana"))
    client.cookies["django_language"] = language
    r = client.get("/operations/network/")
    page = r.content.decode()
    assert r.status_code == 403 and words in page and "ana" in page
    assert f'lang="{language}"' in page.lower()


def test_an_address_with_nothing_says_so_in_the_reader_s_language(client):
    client.cookies["django_language"] = "es"
    r = client.get("/no-such-page/")
    assert r.status_code == 404 and "Página no encontrada" in r.content.decode()
    api = client.get("/api/v1/no-such-operation")
    assert api.status_code == 404 and api.json()["detail"][0]["type"] == "not_found"
