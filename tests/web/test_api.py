"""Open data: the public record under /api/v1, as an outside verifier reads it."""

from __future__ import annotations

import hashlib
import json

import pytest

from council.domain.record import record
from council.unit_of_work import unit_of_work

FIELDS = ["seq", "at", "kind", "actor", "subject", "data", "prev", "hash"]


def append(n: int) -> None:
    for i in range(n):
        with unit_of_work() as session:
            record.append(
                session, kind="test.event", actor=None, subject=f"test:{i}", data={"i": i, "è": "à"}
            )


def lines(response) -> list[dict]:
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def test_head_of_an_empty_record(client):
    response = client.get("/api/v1/record/head")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {"seq": 0, "hash": "0" * 64}


def test_head_follows_the_last_event(client):
    append(3)
    head = client.get("/api/v1/record/head").get_json()
    last = lines(client.get("/api/v1/record"))[-1]
    assert head == {"seq": 3, "hash": last["hash"]}


def test_events_are_json_lines_with_the_published_fields_in_order(client, make_user):
    append(2)
    make_user("member")  # and a real operation: account.created, by the system
    response = client.get("/api/v1/record")
    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_data(as_text=True)
    assert body.endswith("\n")
    events = [json.loads(line) for line in body.splitlines()]
    # zone.created and organisation.created come from the make_user fixture's organisation
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]
    for event in events:
        assert list(event) == FIELDS
    assert events[0]["kind"] == "zone.created"
    assert events[-1]["kind"] == "account.created"
    assert events[-1]["actor"] is None
    assert events[-1]["subject"].startswith("user:u-")
    test_event = events[2]
    assert test_event["data"] == {"i": 0, "è": "à"}
    assert "è" in body  # UTF-8, not \u escapes
    assert response.headers["X-Record-Last-Seq"] == "5"


def test_an_outside_verifier_can_recompute_the_chain(client):
    append(5)
    events = lines(client.get("/api/v1/record?limit=1000"))
    prev = "0" * 64
    for event in events:
        assert event["prev"] == prev
        body = {k: event[k] for k in ("seq", "at", "kind", "actor", "subject", "data")}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256(prev.encode() + canonical.encode()).hexdigest() == event["hash"]
        assert event["at"].endswith("Z") and len(event["at"]) == 24
        prev = event["hash"]
    assert client.get("/api/v1/record/head").get_json()["hash"] == prev


def test_after_and_limit_are_honoured(client):
    append(10)
    assert [e["seq"] for e in lines(client.get("/api/v1/record?after=3&limit=4"))] == [4, 5, 6, 7]
    assert [e["seq"] for e in lines(client.get("/api/v1/record?limit=2"))] == [1, 2]
    assert [e["seq"] for e in lines(client.get("/api/v1/record?after=8"))] == [9, 10]
    assert [e["seq"] for e in lines(client.get("/api/v1/record?after=0&limit=1000"))] == list(
        range(1, 11)
    )
    assert [e["seq"] for e in lines(client.get("/api/v1/record?after=&limit="))] == list(
        range(1, 11)
    )


def test_paging_walks_the_whole_record_without_gaps(client):
    append(7)
    seen: list[int] = []
    after = 0
    while True:
        response = client.get(f"/api/v1/record?after={after}&limit=3")
        page = lines(response)
        if not page:
            assert "X-Record-Last-Seq" not in response.headers
            break
        assert response.headers["X-Record-Last-Seq"] == str(page[-1]["seq"])
        seen += [e["seq"] for e in page]
        after = page[-1]["seq"]
    assert seen == list(range(1, 8))


def test_past_the_head_is_empty_not_an_error(client):
    append(2)
    response = client.get("/api/v1/record?after=99")
    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    assert response.get_data() == b""


def test_default_page_is_one_hundred_events(client):
    with unit_of_work() as session:
        for i in range(105):
            record.append(session, kind="test.event", actor=None, subject="test:x", data={"i": i})
    assert len(lines(client.get("/api/v1/record"))) == 100
    assert len(lines(client.get("/api/v1/record?after=100"))) == 5


@pytest.mark.parametrize(
    "query",
    [
        "after=abc",
        "after=-1",
        "after=1.5",
        "after=1e3",
        "after=99999999999999999999999",
        "after=2147483648",  # past any seq: the column is a 32-bit INTEGER
        "limit=0",
        "limit=-5",
        "limit=abc",
        "limit=1001",
        "limit=1000000",
        "after=2&limit=x",
    ],
)
def test_bad_parameters_get_a_json_422(client, query):
    append(1)
    response = client.get(f"/api/v1/record?{query}")
    assert response.status_code == 422
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error", "message"}
    assert body["message"] == "Non è stato possibile accettare i dati inviati."


def test_the_largest_values_are_accepted(client):
    append(1)
    assert client.get("/api/v1/record?limit=1000").status_code == 200
    response = client.get("/api/v1/record?after=2147483647")
    assert response.status_code == 200 and response.get_data() == b""


def test_api_errors_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"] == "Not Found"
    response = client.post("/api/v1/record")
    assert response.status_code == 405
    assert response.mimetype == "application/json"


def test_api_needs_no_account_and_sets_no_cookie(client):
    append(1)
    for path in ("/api/v1/record", "/api/v1/record/head"):
        response = client.get(path)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
