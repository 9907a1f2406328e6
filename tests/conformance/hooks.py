"""Schemathesis hooks for the conformance run (scripts/conformance.sh).

`cargo lambda watch` turns each HTTP request into a Lambda event, and answers 500 itself, before
the function is invoked, when it cannot: a body with a JSON or text content type that is not
UTF-8, or a header value that is not ASCII. API Gateway would hand such a request over (the body
base64-encoded); the function answers those with a 400, which tests/api/hostile_input.rs and the fuzz
target check. Requests watch cannot carry are left out of this run; nothing else is.
"""

import schemathesis


def _is_utf8(value):
    if isinstance(value, (bytes, bytearray)):
        try:
            value.decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True


@schemathesis.hook
def filter_body(ctx, body):
    return _is_utf8(body)


@schemathesis.hook
def filter_headers(ctx, headers):
    return all(str(value).isascii() for value in (headers or {}).values())
