"""Schemathesis checks of Chatterly's own: every error answer is in the API's error shape,
{"error": {"code": "...", "message": "..."}} (see api/src/error.rs)."""

import schemathesis


@schemathesis.check
def errors_have_the_error_shape(ctx, response, case):
    """A 4xx or 5xx answer is JSON with a machine-readable code and a human message."""
    if response.status_code < 400 or response.status_code == 405:
        return None
    try:
        body = response.json()
    except ValueError as exc:
        raise AssertionError(f"error body is not JSON: {response.text[:200]!r}") from exc
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict), f"no `error` object in {body!r:.200}"
    assert isinstance(error.get("code"), str) and error["code"], f"no error code in {body!r:.200}"
    assert isinstance(error.get("message"), str) and error["message"], f"no message in {body!r:.200}"
    return None
