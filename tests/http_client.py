"""A small HTTP client for the endpoint tests (kg serve on 127.0.0.1 only)."""
from __future__ import annotations

import urllib.error
import urllib.request


def fetch(url, data=None, headers=None, method=None, timeout=30):
    """(status, headers, body) of one request; an HTTP error status is an answer, not a raise."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode("utf-8")


def fetch_body(url, data=None, headers=None, timeout=30):
    """(status, body) of one request."""
    status, _, body = fetch(url, data=data, headers=headers, timeout=timeout)
    return status, body
