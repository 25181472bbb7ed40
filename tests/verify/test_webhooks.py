"""`verify_webhook_signature`: Dynamic's `sha256=<hex HMAC-SHA256 of the raw body>`,
compared in constant time."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from pulumi_dynamic_security.verify import verify_webhook_signature

SECRET = "whsec_0123456789abcdef"
BODY = b'{"eventName":"user.session.revoked","data":{"id":"s1"}}'


def _sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_a_valid_signature_is_accepted() -> None:
    assert verify_webhook_signature(BODY, _sign(BODY), SECRET) is True
    assert verify_webhook_signature(BODY, _sign(BODY), SECRET.encode()) is True
    assert verify_webhook_signature(BODY, _sign(BODY).upper().replace("SHA256=", "sha256="),
                                    SECRET) is True  # hex is hex in either case


@pytest.mark.parametrize("header", [
    None, "", "sha256=", "sha1=" + "0" * 40, _sign(BODY)[7:], _sign(BODY)[:-1],
    _sign(BODY) + "0", " " + _sign(BODY), _sign(BODY).replace("sha256=", "SHA256="),
    "sha256=" + "g" * 64, "sha256=" + "0" * 64, "v1," + _sign(BODY)[7:],
])
def test_a_missing_or_malformed_header_is_false(header: str | None) -> None:
    assert verify_webhook_signature(BODY, header, SECRET) is False


def test_a_tampered_body_or_wrong_secret_is_false() -> None:
    assert verify_webhook_signature(BODY + b" ", _sign(BODY), SECRET) is False
    assert verify_webhook_signature(BODY.replace(b"s1", b"s2"), _sign(BODY), SECRET) is False
    assert verify_webhook_signature(BODY, _sign(BODY, "whsec_other"), SECRET) is False


def test_the_comparison_is_hmac_compare_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert verify_webhook_signature(BODY, _sign(BODY), SECRET) is True
    assert verify_webhook_signature(BODY, _sign(b"other"), SECRET) is False
    expected = _sign(BODY)[7:]
    assert calls == [(expected, expected), (expected, _sign(b"other")[7:])]


def test_misuse_is_an_error_not_a_match() -> None:
    with pytest.raises(ValueError, match="empty"):
        verify_webhook_signature(BODY, _sign(BODY, ""), "")
    with pytest.raises(TypeError, match="bytes"):
        verify_webhook_signature(BODY.decode(), _sign(BODY), SECRET)  # type: ignore[arg-type]
