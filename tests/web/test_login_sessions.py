"""Sessions kept on the server (issue 18, finding 3): logging out ends this device's session
and its remember cookie, whatever was copied before; the account page lists the devices
logged in and ends one or all of them; a password change and a disabled account end them."""

from __future__ import annotations

import html
import re

from tests.conftest import PASSWORD, Web

FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def logged_in(web: Web, **kwargs) -> bool:
    response = web.get("/notifications", **kwargs)
    assert response.status_code in (200, 302)
    return response.status_code == 200


def cookie(web: Web, name: str) -> str:
    found = web.client.get_cookie(name)
    assert found is not None, f"no {name} cookie"
    return found.value


def login(web: Web, email: str, *, remember: bool = False, agent: str | None = None):
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    if agent:  # this browser's every request
        web.client.environ_base["HTTP_USER_AGENT"] = agent
    response = web.post("/login", data, token_from="/login")
    assert response.status_code == 302
    return response


def test_a_session_cookie_copied_before_logout_opens_nothing_after(make_web, member):
    web = make_web()
    login(web, member.email)
    copied = cookie(web, "consiglio_session")
    assert web.post("/logout", token_from="/").status_code == 302
    thief = make_web()
    thief.client.set_cookie("consiglio_session", copied)
    assert not logged_in(thief)
    assert thief.get("/account").status_code == 302


def test_a_remember_cookie_copied_before_logout_opens_nothing_after(make_web, member):
    web = make_web()
    login(web, member.email, remember=True)
    copied = cookie(web, "remember_token")
    thief = make_web()
    thief.client.set_cookie("remember_token", copied)
    assert logged_in(thief)  # it worked before the logout
    assert web.post("/logout", token_from="/").status_code == 302
    later = make_web()
    later.client.set_cookie("remember_token", copied)
    assert not logged_in(later)
    assert not logged_in(thief)  # and the copy already in use ends too
    assert later.client.get_cookie("remember_token") is None  # the dead cookie is cleared


def test_log_out_of_every_device_ends_another_client_s_session(make_web, member):
    phone, laptop = make_web(), make_web()
    login(phone, member.email, remember=True)
    login(laptop, member.email)
    remembered = cookie(phone, "remember_token")
    assert logged_in(phone) and logged_in(laptop)
    response = laptop.post("/account/sessions/end-all", token_from="/account")
    assert response.status_code == 302 and response.location == "/login"
    assert "Disconnessione eseguita su tutti i dispositivi, compreso questo." in page(
        laptop.get("/login")
    )
    assert not logged_in(phone) and not logged_in(laptop)
    copy = make_web()
    copy.client.set_cookie("remember_token", remembered)
    assert not logged_in(copy)
    login(phone, member.email)  # logging in again works, as a new session
    assert logged_in(phone)


def test_the_account_page_lists_the_devices_and_ends_one(make_web, member):
    phone, laptop = make_web(), make_web()
    login(phone, member.email, agent=PHONE)
    login(laptop, member.email, agent=FIREFOX)
    text = page(laptop.get("/account"))
    assert "Dove hai effettuato l'accesso" in text
    assert "Firefox 128 · Ubuntu" in text and "Chrome Mobile 131 · Android" in text
    assert text.count("Questo dispositivo") == 1
    mine = text.index("Questo dispositivo")
    assert text.rindex("Firefox 128", 0, mine) > text.rfind("Chrome Mobile", 0, mine)
    assert "127.0.0.1" in text  # the address it was last seen from
    sessions = re.findall(r'data-session="(\d+)"', text)
    assert len(sessions) == 2
    phone_session = re.search(r'data-session="(\d+)">\s*<h3[^>]*>Chrome Mobile', text)[1]
    response = laptop.post(
        f"/account/sessions/{phone_session}/end",
        token_from="/account",
    )
    assert response.status_code == 302 and response.location == "/account"
    after = page(laptop.get("/account"))
    assert "Il dispositivo è stato disconnesso." in after
    assert "Chrome Mobile" not in after
    assert not logged_in(phone)
    assert logged_in(laptop)


def test_nobody_ends_someone_else_s_session(make_web, member, make_user):
    other = make_user("member", email="altra@example.org")
    theirs, mine = make_web(), make_web()
    login(theirs, other.email)
    login(mine, member.email)
    their_session = re.search(r'data-session="(\d+)"', page(theirs.get("/account"))).group(1)
    response = mine.post(f"/account/sessions/{their_session}/end", token_from="/account")
    assert response.status_code == 404
    assert logged_in(theirs) and logged_in(mine)
    forged = mine.client.post(f"/account/sessions/{their_session}/end", data={})
    assert forged.status_code == 400  # without the form's token
    assert mine.client.post("/account/sessions/end-all", data={}).status_code == 400
    assert logged_in(theirs) and logged_in(mine)


def test_a_password_change_ends_the_other_sessions_and_their_remember_cookies(make_web, member):
    phone, laptop = make_web(), make_web()
    login(phone, member.email, remember=True)
    login(laptop, member.email, remember=True)
    remembered = cookie(phone, "remember_token")
    new = "una-password-nuova-e-lunga"
    response = laptop.post(
        "/account", {"current": PASSWORD, "password": new, "confirm": new}, token_from="/account"
    )
    assert response.status_code == 302
    assert logged_in(laptop)
    assert not logged_in(phone)
    copy = make_web()
    copy.client.set_cookie("remember_token", remembered)
    assert not logged_in(copy)
    # this device stays remembered: its new remember cookie logs in alone
    kept = make_web()
    kept.client.set_cookie("remember_token", cookie(laptop, "remember_token"))
    assert logged_in(kept)
    assert page(laptop.get("/account")).count('data-session="') == 1


def test_an_administrator_disabling_an_account_ends_its_sessions(make_web, member, admin):
    phone = make_web()
    login(phone, member.email, remember=True)
    remembered = cookie(phone, "remember_token")
    office = make_web()
    office.login(admin.email)
    response = office.post(
        f"/admin/users/{member.id}/status",
        {"status": "disabled"},
        token_from=f"/admin/users/{member.id}",
    )
    assert response.status_code == 302
    assert not logged_in(phone)
    office.post(
        f"/admin/users/{member.id}/status",
        {"status": "active"},
        token_from=f"/admin/users/{member.id}",
    )
    copy = make_web()  # enabled again: the old cookies stay dead
    copy.client.set_cookie("remember_token", remembered)
    assert not logged_in(copy)


def test_after_logout_the_public_pages_come_from_the_cache_again(
    app, monkeypatch, make_web, member, proposal
):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 10.0)
    cache = app.extensions["consiglio_page_cache"]
    cache.clear()
    web = make_web()
    login(web, member.email, remember=True)
    path = f"/proposals/{proposal.id}"
    web.get(path)
    assert (cache.hits, cache.misses) == (0, 0)
    web.post("/logout", token_from="/")
    web.get("/")  # where the "logged out" message is shown
    web.get(path)
    web.get(path)  # a device cookie does not make a reader someone
    assert (cache.hits, cache.misses) == (1, 1)
    cache.clear()
