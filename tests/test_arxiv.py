"""The arXiv API client against a local server that replays the recorded Atom fixture.

Nothing here contacts arxiv.org: every request goes to 127.0.0.1.
"""
from __future__ import annotations

import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kg.arxiv import ArxivError, fetch_arxiv, save_atom
from kg.readers import InputError, ReadReport, read_papers

FIXTURE = Path(__file__).parent / "data" / "readers" / "arxiv-api.atom"
TEXT = FIXTURE.read_text(encoding="utf-8")
HEAD = TEXT[: TEXT.index("  <entry>")]
ENTRIES = re.findall(r"  <entry>.*?</entry>\n", TEXT, re.S)
TAIL = "</feed>\n"
ERROR_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">ArXiv Query: search_query=&amp;id_list=bad&amp;start=0&amp;max_results=10</title>
  <id>http://arxiv.org/api/errors</id>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:totalResults>
  <entry>
    <id>http://arxiv.org/api/errors#incorrect_id_format_for_bad</id>
    <title>Error</title>
    <summary>incorrect id format for bad</summary>
    <link href="http://arxiv.org/api/errors#incorrect_id_format_for_bad" rel="alternate" type="text/html"/>
  </entry>
</feed>
"""


def page(start: int, n: int, total: int = len(ENTRIES)) -> str:
    head = re.sub(r"(<opensearch:totalResults[^>]*>)\d+", rf"\g<1>{total}", HEAD)
    head = re.sub(r"(<opensearch:startIndex[^>]*>)\d+", rf"\g<1>{start}", head)
    head = re.sub(r"(<opensearch:itemsPerPage[^>]*>)\d+", rf"\g<1>{n}", head)
    return head + "".join(ENTRIES[start:start + n]) + TAIL


class Handler(BaseHTTPRequestHandler):
    requests: list[dict[str, str]] = []
    mode = "ok"
    empty_once = False

    def do_GET(self):  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        type(self).requests.append(q)
        if url.path != "/api/query":
            return self._send(404, "not found")
        if self.mode == "error-feed":
            return self._send(400, ERROR_FEED)
        if self.mode == "500":
            return self._send(500, "boom")
        start, n = int(q.get("start", 0)), int(q.get("max_results", 10))
        if type(self).empty_once:  # the real API sometimes answers an empty page under load
            type(self).empty_once = False
            return self._send(200, page(start, 0))
        self._send(200, page(start, n))

    def _send(self, status: int, body: str):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    """A proxy set in the environment must not see (or break) requests to 127.0.0.1."""
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def server():
    Handler.requests = []
    Handler.mode = "ok"
    Handler.empty_once = False
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/api/query"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def test_pages_through_results(server):
    papers = list(fetch_arxiv("cat:cs.LG", max_results=50, base_url=server, page_size=2, delay=0))
    assert [p.id for p in papers] == ["1706.03762", "1810.04805", "1412.6980", "1512.03385", "cs/0000001"]
    assert [(r["start"], r["max_results"]) for r in Handler.requests] == [("0", "2"), ("2", "2"), ("4", "2")]
    assert all(r["search_query"] == "cat:cs.LG" for r in Handler.requests)
    att = papers[0]
    assert att.title == "Attention Is All You Need" and att.date == "2017-06-12"
    assert att.abstract.startswith("The dominant sequence") and "\n" not in att.abstract
    assert att.source.startswith(server) and "start=0" in att.source
    assert "FixtureNet" in papers[-1].abstract and r"\textbf" not in papers[-1].abstract


def test_max_results_limits_requests(server):
    papers = list(fetch_arxiv("all:x", max_results=3, base_url=server, page_size=2, delay=0,
                              sort_by="submittedDate", sort_order="descending"))
    assert len(papers) == 3
    assert [(r["start"], r["max_results"]) for r in Handler.requests] == [("0", "2"), ("2", "1")]
    assert Handler.requests[0]["sortBy"] == "submittedDate"
    assert Handler.requests[0]["sortOrder"] == "descending"


def test_is_lazy(server):
    it = fetch_arxiv("all:x", max_results=5, base_url=server, page_size=2, delay=0)
    assert Handler.requests == []  # nothing fetched until iterated
    next(it)
    assert len(Handler.requests) == 1


def test_empty_page_is_retried(server):
    Handler.empty_once = True
    papers = list(fetch_arxiv("all:x", max_results=5, base_url=server, page_size=5, delay=0))
    assert len(papers) == 5 and len(Handler.requests) == 2


def test_http_failure_names_the_url(server):
    Handler.mode = "500"
    with pytest.raises(ArxivError, match=r"127\.0\.0\.1:\d+/api/query\?search_query=all%3Ax.*HTTP 500") as exc:
        list(fetch_arxiv("all:x", base_url=server, delay=0))
    assert isinstance(exc.value, InputError)


def test_api_error_message_is_shown(server):
    Handler.mode = "error-feed"
    with pytest.raises(ArxivError, match="HTTP 400.*incorrect id format for bad"):
        list(fetch_arxiv("", id_list=["bad"], base_url=server, delay=0))
    assert Handler.requests[0]["id_list"] == "bad"


def test_unreachable_server_is_a_clear_error():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens here now
    with pytest.raises(ArxivError, match=rf"127\.0\.0\.1:{port}.*cannot connect"):
        list(fetch_arxiv("all:x", base_url=f"http://127.0.0.1:{port}/api/query", delay=0, timeout=5))


def test_save_atom_round_trip(tmp_path, server):
    papers = list(fetch_arxiv("all:x", max_results=5, base_url=server, delay=0))
    out = tmp_path / "saved.atom"
    assert save_atom(papers, out) == 5
    report = ReadReport()
    again = list(read_papers(out, report=report))
    assert not report.issues
    assert [(p.id, p.title, p.abstract, p.date, p.url, p.authors) for p in again] == \
           [(p.id, p.title, p.abstract, p.date, p.url, p.authors) for p in papers]


def test_delay_between_pages(server):
    import time

    t0 = time.monotonic()
    papers = list(fetch_arxiv("all:x", max_results=5, base_url=server, page_size=2, delay=0.2))
    assert len(papers) == 5 and len(Handler.requests) == 3
    assert time.monotonic() - t0 >= 0.4  # two waits between three requests
