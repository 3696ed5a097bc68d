"""Login limits slow the one guessing, not the owner (issue 18, finding 2): per client
address (password spraying), per account and address, per account from devices it does not
know; a device that logged in before keeps its own count."""

from __future__ import annotations

import html
import os
import subprocess
import sys
import textwrap

from tests.conftest import PASSWORD, Web

OWNER_HOME = "198.51.100.7"
ATTACKER = "203.0.113.9"
WRONG = "indovinata-a-caso"
SPRAYED = "Troppi accessi non riusciti dalla tua rete. Riprova tra"
TOO_MANY = "Troppi tentativi non riusciti. Riprova tra"


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def attempt(web: Web, email: str, password: str, address: str):
    return web.post(
        "/login",
        {"email": email, "password": password},
        token_from="/login",
        environ_base={"REMOTE_ADDR": address},
    )


def test_the_owner_logs_in_while_an_attacker_elsewhere_is_held_back(app, make_web, make_user):
    owner = make_user("chair", email="consigliere22@example.org")
    attacker = make_web()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert attempt(attacker, owner.email, WRONG, ATTACKER).status_code == 422
    for _ in range(3):  # and the attacker goes on
        held = attempt(attacker, owner.email, WRONG, ATTACKER)
        assert held.status_code == 429 and int(held.headers["Retry-After"]) > 0
    assert attempt(attacker, owner.email, PASSWORD, ATTACKER).status_code == 429

    chair = make_web()  # the owner, from home: not locked out by someone else's guesses
    assert attempt(chair, owner.email, PASSWORD, OWNER_HOME).status_code == 302


def test_a_known_device_gets_in_during_an_attack_from_many_addresses(app, make_web, make_user):
    owner = make_user("chair", email="consigliere22@example.org")
    phone = make_web()
    assert attempt(phone, owner.email, PASSWORD, OWNER_HOME).status_code == 302
    phone.post("/logout", token_from="/", environ_base={"REMOTE_ADDR": OWNER_HOME})

    # a botnet: a few guesses from each of many addresses, past the account's own limit
    botnet = make_web()
    per_address = app.config["LOGIN_MAX_FAILURES"]
    addresses = app.config.get("LOGIN_ACCOUNT_MAX_FAILURES", 50) // per_address + 1
    for n in range(addresses):
        for _ in range(per_address):
            attempt(botnet, owner.email, WRONG, f"192.0.2.{n + 1}")
    refused = attempt(make_web(), owner.email, PASSWORD, "192.0.2.200")
    assert refused.status_code == 429 and TOO_MANY in page(refused)  # a new device waits

    # the phone that logged in before, even from the attackers' network, gets in
    assert attempt(phone, owner.email, PASSWORD, "192.0.2.1").status_code == 302
    assert phone.get("/account", environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 200


def test_a_known_device_still_has_its_own_limit(app, make_web, make_user):
    owner = make_user("member", email="anna@example.org")
    stolen = make_web()
    assert attempt(stolen, owner.email, PASSWORD, OWNER_HOME).status_code == 302
    stolen.post("/logout", token_from="/", environ_base={"REMOTE_ADDR": OWNER_HOME})
    for n in range(app.config["LOGIN_MAX_FAILURES"]):  # from a new address each time
        assert attempt(stolen, owner.email, WRONG, f"192.0.2.{n + 1}").status_code == 422
    held = attempt(stolen, owner.email, PASSWORD, "192.0.2.99")
    assert held.status_code == 429 and TOO_MANY in page(held)


def test_spraying_one_password_over_many_accounts_from_one_address_is_held(
    app, make_web, make_user
):
    people = [make_user("member", email=f"consigliere{n}@example.org") for n in range(20)]
    sprayer = make_web()
    answers = [attempt(sprayer, p.email, "Brescia2026!", ATTACKER) for p in people]
    statuses = [a.status_code for a in answers]
    allowed = app.config.get("LOGIN_ADDRESS_MAX_FAILURES", 10)
    assert statuses == [422] * allowed + [429] * (20 - allowed)
    held = answers[-1]
    assert 0 < int(held.headers["Retry-After"]) <= app.config["LOGIN_FAILURE_WINDOW"]
    assert SPRAYED in page(held)
    # the right password from that address waits too; the people themselves, elsewhere, do not
    assert attempt(sprayer, people[0].email, PASSWORD, ATTACKER).status_code == 429
    assert attempt(make_web(), people[0].email, PASSWORD, OWNER_HOME).status_code == 302


def test_a_forged_forwarded_for_header_does_not_change_the_address(app, make_web, make_user):
    """Without TRUSTED_PROXIES, X-Forwarded-For is whatever the client wrote: ignored."""
    people = [make_user("member", email=f"persona{n}@example.org") for n in range(12)]
    sprayer = make_web()
    statuses = [
        sprayer.post(
            "/login",
            {"email": p.email, "password": WRONG},
            token_from="/login",
            headers={"X-Forwarded-For": f"10.0.0.{n}"},
        ).status_code
        for n, p in enumerate(people)
    ]
    assert statuses[-1] == 429


BEHIND_A_PROXY = textwrap.dedent(
    """
    import re, sys
    from app import create_app
    from council.cli import upgrade_database
    from council.domain.accounts import accounts
    from council.domain.permissions import SYSTEM
    from council.unit_of_work import unit_of_work

    url = sys.argv[1]
    upgrade_database(url)
    app = create_app({"ENV_NAME": "testing", "SECRET_KEY": "x" * 32, "DATABASE_URL": url,
                      "TRUSTED_PROXIES": 1, "PASSWORD_HASH_FAST": True})
    with app.app_context():
        with unit_of_work() as session:
            accounts.create_user(session, SYSTEM, email="anna@example.org", name="Anna Rossi",
                                 password="password-di-prova")
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)

    def attempt(forwarded):
        data = {"email": "anna@example.org", "password": "sbagliata!", "csrf_token": token}
        headers = {"X-Forwarded-For": forwarded}
        return client.post("/login", data=data, headers=headers,
                           environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code

    # the proxy's own address is the same for everyone: the forwarded one is counted
    print([attempt("203.0.113.9") for _ in range(6)], [attempt("198.51.100.7")])
    """
)


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(tmp_path):
    env = {**os.environ, "CONSIGLIO_INSTANCE": str(tmp_path)}
    url = f"sqlite:///{tmp_path / 'proxy.db'}"
    result = subprocess.run(
        [sys.executable, "-c", BEHIND_A_PROXY, url],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "[422, 422, 422, 422, 422, 429] [422]"
