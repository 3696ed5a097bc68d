"""The flask commands: demo data, record verification, account creation, migrations."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, text

from council.domain.accounts import login_sessions, throttle
from council.extensions import db
from council.models.base import utcnow
from council.models.organisation import CommunityPoint, Organisation, Zone
from council.models.user import AccountStatus, LoginSession, Role, Throttle, User, UserRole
from council.unit_of_work import unit_of_work


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _members_with(role: Role) -> int:
    return _count(User, User.role_rows.any(UserRole.role == role))


def test_demo_loads_a_believable_council_once(app, demo):
    """`flask demo` loaded it (the fixture, tests/demo_copy.py: "demo data loaded"); again, it
    leaves it; with --reset, it loads it anew."""
    runner = app.test_cli_runner()
    assert _count(Zone) == 5
    assert 25 <= _count(Organisation) <= 35
    assert _count(CommunityPoint) >= 3
    assert _members_with(Role.MEMBER) == 25
    assert _members_with(Role.CHAIR) == 1 and _members_with(Role.SECRETARY) == 1
    assert _members_with(Role.STAKEHOLDER) >= 10
    assert _count(User, User.status == AccountStatus.PENDING) == 1
    emails = set(db.session.scalars(select(User.email)))
    expected = {"admin@example.org", "presidente@example.org", "segretario@example.org"}
    expected |= {f"consigliere{n}@example.org" for n in range(1, 24)}
    expected |= {f"portatore{n}@example.org" for n in range(1, 11)}
    assert expected <= emails
    users_before = _count(User)

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "already" in again.output
    assert _count(User) == users_before

    reset = runner.invoke(args=["demo", "--reset"])
    assert reset.exit_code == 0, reset.output
    assert _count(User) == users_before
    verify = runner.invoke(args=["record", "verify"])
    assert verify.exit_code == 0 and verify.output.startswith("ok:")


def test_demo_accounts_log_in_with_the_documented_password(app, demo):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/login",
        data={"email": "presidente@example.org", "password": "consiglio-demo", "csrf_token": token},
    )
    assert response.status_code == 302


def test_record_verify_names_the_broken_event(app, demo):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["record", "verify"])
    assert ok.exit_code == 0
    head_line = ok.output.split("head ")[1].split()
    anchor = f"{head_line[0]}:{head_line[1]}"
    assert runner.invoke(args=["record", "verify", "--anchor", anchor]).exit_code == 0
    assert runner.invoke(args=["record", "verify", "--anchor", "3:" + "0" * 64]).exit_code == 1
    assert runner.invoke(args=["record", "verify", "--anchor", "nonsense"]).exit_code == 2

    with db.engine.begin() as conn:
        conn.execute(text('UPDATE record_events SET data = \'{"name":"Zona X"}\' WHERE seq = 7'))
    db.session.remove()  # as a new process would: no snapshot from before the tampering
    broken = runner.invoke(args=["record", "verify"])
    assert broken.exit_code == 1
    assert "seq 7" in broken.output


def test_record_export_writes_json_lines(app, demo):
    runner = app.test_cli_runner()
    lines = runner.invoke(args=["record", "export", "--after", "80"]).output.splitlines()
    assert [line[:9] for line in lines[:1]] == ['{"seq": 8']


def test_users_create_makes_an_active_account(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "--email", "Capo@Example.org", "--name", "Capo Tecnico",
              "--role", "admin"],
        input="una-password-lunga\nuna-password-lunga\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "capo@example.org"))
    assert user.is_active and Role.ADMIN in user.roles
    short = runner.invoke(
        args=["users", "create", "--email", "b@example.org", "--name", "Bea"],
        input="corta\ncorta\n",
    )
    assert short.exit_code == 1 and "10" in short.output


def test_users_forget_expired_drops_old_counters_and_idle_sessions(app, make_user):
    person = make_user("member")
    old = utcnow() - timedelta(days=40)
    with unit_of_work() as session:
        kept = login_sessions.start(session, session.merge(person), address="", device="",
                                    remember=False)  # fmt: skip
        login_sessions.start(session, session.merge(person), address="", device="",
                             remember=False, now=old)  # fmt: skip
        throttle.count(session, [throttle.limit("address", "192.0.2.1", most=5, window=900)], old)
        throttle.count(session, [throttle.limit("address", "192.0.2.2", most=5, window=900)])
    result = app.test_cli_runner().invoke(args=["users", "forget-expired"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "dropped 1 counters, 1 sessions"
    assert _count(Throttle) == 1 and _count(LoginSession) == 1
    assert set(login_sessions.logged_in(db.session, [kept])) == {kept}


def test_db_upgrade_is_idempotent(app):
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output


def test_record_verify_runs_as_the_readme_writes_it_without_a_secret(
    app, database_url, make_user, tmp_path
):
    """README: after `make run`, `.venv/bin/flask --app app record verify` in the checkout,
    with no CONSIGLIO_ENV and no SECRET_KEY: a command that signs nothing asks for no key.
    Serving still refuses to start without one."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    make_user("member")  # a few events in the record
    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "CONSIGLIO_ENV")}
    env |= {"DATABASE_URL": database_url, "CONSIGLIO_INSTANCE": str(tmp_path)}
    flask = str(Path(sys.executable).parent / "flask")
    verify = subprocess.run([flask, "--app", "app", "record", "verify"], cwd=root, env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert verify.returncode == 0, verify.stderr
    assert verify.stdout.startswith("ok: ") and "Traceback" not in verify.stderr
    assert not (tmp_path / "secret_key").exists()  # no key made up either

    serve = subprocess.run([sys.executable, "-c", "import app; from council import serving; "
                            "serving.start(app.create_app())"], cwd=root, env=env,
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert serve.returncode != 0 and "SECRET_KEY must be set" in serve.stderr


def test_without_a_secret_no_request_is_served(monkeypatch, database_url):
    from app import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    bare = create_app({"ENV_NAME": "production", "DATABASE_URL": database_url})
    response = bare.test_client().get("/")
    assert response.status_code == 500  # refused, never served unsigned
    assert "SECRET_KEY must be set" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
