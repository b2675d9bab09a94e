"""Standard Webhooks signatures (caravana.webhook_signing), checked against the spec's published
vector and the standardwebhooks library's own verify."""

import base64
import datetime as dt
import time

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from caravana import webhook_signing as ws

BODY = b'{"type":"parcel.status_changed","data":{"identifier":"LX123456785CN"}}'


def test_the_spec_test_vector():
    # From the Standard Webhooks reference library's tests (test_sign_function):
    # github.com/standard-webhooks/standard-webhooks, libraries/python/tests/test_webhooks.py
    headers = ws.sign(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        b'{"test": 2432232314}',
        msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
        timestamp=1614265330,
    )
    assert headers == {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }


def test_the_library_verifies_what_we_sign_and_we_verify_what_it_signs():
    secret = ws.new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    headers = ws.sign(secret, BODY, msg_id="d-1")
    assert Webhook(secret).verify(BODY, headers)["data"]["identifier"] == "LX123456785CN"
    with pytest.raises(WebhookVerificationError):
        Webhook(ws.new_secret()).verify(BODY, headers)
    now = int(time.time())
    theirs = Webhook(secret).sign("msg_2", dt.datetime.fromtimestamp(now, dt.UTC), BODY.decode())
    given = {"Webhook-Id": "msg_2", "Webhook-Timestamp": str(now), "Webhook-Signature": theirs}
    assert ws.verify(secret, BODY, given) == "msg_2"


def test_a_secret_that_is_not_base64_is_used_as_its_bytes():
    headers = ws.sign("s3cr€t!", BODY, msg_id="d-1")
    assert Webhook(b"s3cr\xe2\x82\xact!").verify(BODY, headers)
    assert ws.verify("s3cr€t!", BODY, headers) == "d-1"
    with pytest.raises(ValueError):
        ws.sign("", BODY)


def test_one_matching_signature_among_several_is_enough():
    old, new = ws.new_secret(), ws.new_secret()
    a = ws.sign(old, BODY, msg_id="m", timestamp=1_000_000)
    b = ws.sign(new, BODY, msg_id="m", timestamp=1_000_000)
    both = {**a, "webhook-signature": f"v2,xyz {b['webhook-signature']} {a['webhook-signature']}"}
    assert ws.verify(old, BODY, both, now=1_000_000) == "m"
    assert ws.verify(new, BODY, both, now=1_000_000) == "m"
    with pytest.raises(ws.SignatureError, match="does not match"):
        ws.verify(ws.new_secret(), BODY, both, now=1_000_000)


@pytest.mark.parametrize("now, ok", [(1_000_300, True), (999_700, True), (1_000_301, False)])
def test_the_timestamp_must_be_within_five_minutes(now, ok):
    secret = ws.new_secret()
    headers = ws.sign(secret, BODY, timestamp=1_000_000)
    if ok:
        ws.verify(secret, BODY, headers, now=now)
    else:
        with pytest.raises(ws.SignatureError, match="tolerance"):
            ws.verify(secret, BODY, headers, now=now)
    with pytest.raises(ws.SignatureError, match="tolerance"):
        ws.verify(secret, BODY, headers, now=999_699)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda h, b: ({**h, "webhook-timestamp": "1e9"}, b), "malformed"),
        (lambda h, b: ({k: v for k, v in h.items() if k != "webhook-id"}, b), "missing"),
        (lambda h, b: ({}, b), "missing"),
        (lambda h, b: ({**h, "webhook-id": "other"}, b), "does not match"),
        (lambda h, b: (h, b + b" "), "does not match"),
        (lambda h, b: (h, b"\xff" + b), "not UTF-8"),
        (lambda h, b: ({**h, "webhook-signature": "v1,"}, b), "does not match"),
    ],
)
def test_forged_or_malformed_requests_are_refused(change, message):
    secret = ws.new_secret()
    headers, body = change(ws.sign(secret, BODY), BODY)
    with pytest.raises(ws.SignatureError, match=message):
        ws.verify(secret, body, headers)
