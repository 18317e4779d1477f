"""`python -m reports.weekly`: figures against a hand-computed fixture, formats, delivery, failures."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default as default_policy

import numpy as np
import pytest

from reports import weekly
from tests.builders import Msg, Spec, build, sid

U, A, S = "user", "assistant", "system"
# The week reported: 16-22 Nov 2026 in Paris (UTC+1). The week before: 9-15 Nov.
SPECS = [
    Spec(sid(1), "client", datetime(2026, 11, 17, 9, tzinfo=UTC),
         [Msg(U, 0), Msg(A, 5, 400.0), Msg(U, 60), Msg(A, 65, 600.0, cached=True)], ["billing", "booking"],
         rating=5, resolved=True, closed_after_s=600),
    Spec(sid(2), "provider", datetime(2026, 11, 18, 14, tzinfo=UTC),
         [Msg(U, 0), Msg(A, 3, 1000.0), Msg(S, 10)], ["billing"], rating=2, escalated=True, closed_after_s=300),
    Spec(sid(3), "anonymous", datetime(2026, 11, 22, 22, 30, tzinfo=UTC),  # 23:30 on the 22nd in Paris
         [Msg(U, 0), Msg(A, 2, 200.0)], ["refunds"], closed_after_s=120),
    Spec(sid(4), "client", datetime(2026, 11, 22, 23, 30, tzinfo=UTC),  # 00:30 on the 23rd: outside
         [Msg(U, 0), Msg(A, 2, 9000.0)], ["privacy"], rating=1),
    Spec(sid(5), "client", datetime(2026, 11, 10, 10, tzinfo=UTC),  # the week before
         [Msg(U, 0), Msg(A, 2, 800.0)], ["billing"], rating=4, resolved=True),
]  # fmt: skip
WEEK = ["--end", "2026-11-22", "--tz", "Europe/Paris"]


@pytest.fixture
def db(engine, database_url):
    build(engine, SPECS)
    return database_url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = weekly.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_figures_match_the_hand_computed_week(db, capsys):
    code, out, _ = run(capsys, *WEEK, "--format", "json", "--database-url", db)
    assert code == 0
    r = json.loads(out)
    assert r["period"]["days"] == 7
    assert (
        r["period"]["start"] == "2026-11-16T00:00:00+01:00"
        and r["period"]["end"] == "2026-11-23T00:00:00+01:00"
    )
    assert r["sessions"] == {"total": 3, "active": 0, "closed": 3}
    assert r["messages"] == {
        "total": 9,
        "by_sender": {"user": 4, "assistant": 4, "system": 1},
        "avg_per_session": 3.0,
    }
    perf = r["performance"]
    answers = [400, 600, 1000, 200]
    assert perf["avg_response_time_ms"] == 550.0
    assert perf["p50_response_time_ms"] == round(float(np.percentile(answers, 50)), 2)
    assert perf["p95_response_time_ms"] == round(float(np.percentile(answers, 95)), 2)
    assert perf["resolution_rate"] == 33.33 and perf["escalation_rate"] == 33.33
    # engagement: (8 + 10 + 20) + (4 + 5 + 10) + (4 + 5 + 4) = 38 + 19 + 13, over 3 sessions
    assert perf["avg_engagement"] == round(70 / 3, 2)
    assert r["satisfaction"]["average"] == 3.5 and r["satisfaction"]["count"] == 2
    assert r["top_topics"] == [
        {"topic": "billing", "count": 2},
        {"topic": "booking", "count": 1},
        {"topic": "refunds", "count": 1},
    ]
    assert r["common_issues"] == [{"topic": "billing", "count": 1}, {"topic": "refunds", "count": 1}]
    assert r["user_types"] == {"client": 1, "provider": 1, "anonymous": 1}
    assert r["peak_hours"][:3] == [
        {"hour": 10, "messages": 4},
        {"hour": 15, "messages": 3},
        {"hour": 23, "messages": 2},
    ]
    assert len(r["peak_hours"]) == 24
    before = r["previous"]
    assert before["sessions"]["total"] == 1 and before["performance"]["avg_response_time_ms"] == 800.0
    assert r["change"]["sessions"]["total"] == {"delta": 2, "percent": 200.0}
    assert r["change"]["performance"]["resolution_rate"] == {"delta": -66.67, "percent": None}


def test_empty_period_gives_zeros_and_nulls(db, capsys):
    code, out, _ = run(capsys, "--end", "2020-01-07", "--format", "json", "--database-url", db)
    assert code == 0
    r = json.loads(out)
    assert r["sessions"]["total"] == 0 and r["messages"]["avg_per_session"] is None
    assert all(v is None for v in r["performance"].values())
    assert r["satisfaction"]["average"] is None and r["top_topics"] == []
    code, text, _ = run(capsys, "--end", "2020-01-07", "--database-url", db)
    assert code == 0 and "n/a" in text and "none in this period" in text


def test_text_and_html_have_every_section(db, capsys):
    _, text, _ = run(capsys, *WEEK, "--database-url", db)
    for section in (
        "SESSIONS",
        "MESSAGES",
        "PERFORMANCE",
        "SATISFACTION",
        "RATINGS",
        "TOP TOPICS",
        "COMMON ISSUES",
        "USER TYPES",
        "PEAK HOURS",
    ):
        assert section in text
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "550 ms" in text and "+200.0%" in text
    _, html, _ = run(capsys, *WEEK, "--format", "html", "--database-url", db)
    for section in (
        "Sessions",
        "Messages",
        "Performance",
        "Satisfaction",
        "Ratings",
        "Top topics",
        "Common issues",
        "User types",
        "Peak hours",
    ):
        assert f">{section}" in html
    assert "<svg" in html and "<link" not in html and "<script" not in html  # self-contained


def test_end_reproduces_a_past_week_exactly(db, capsys):
    first = json.loads(run(capsys, *WEEK, "--format", "json", "--database-url", db)[1])
    again = json.loads(run(capsys, *WEEK, "--format", "json", "--database-url", db)[1])
    first.pop("generated_at"), again.pop("generated_at")
    assert first == again


def test_output_is_written_atomically(db, capsys, tmp_path, monkeypatch):
    folder = tmp_path / "reports"
    folder.mkdir()
    target = folder / "report.json"
    assert run(capsys, *WEEK, "--format", "json", "--output", str(target), "--database-url", db)[0] == 0
    assert json.loads(target.read_text())["sessions"]["total"] == 3
    target.write_text("the previous report")

    def crash(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    code, _, err = run(capsys, *WEEK, "--output", str(target), "--database-url", db)
    assert code == 1 and err.startswith("error: cannot write") and err.count("\n") == 1
    assert target.read_text() == "the previous report"
    assert sorted(p.name for p in folder.iterdir()) == ["report.json"]  # no temporary file left


def test_unwritable_output_and_unreachable_database_fail_in_one_line(db, capsys, tmp_path):
    code, _, err = run(capsys, *WEEK, "--output", str(tmp_path / "missing" / "r.txt"), "--database-url", db)
    assert code == 1 and err.startswith("error: cannot write") and err.count("\n") == 1
    code, _, err = run(capsys, "--database-url", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert (
        code == 1 and err.startswith("error: database: ") and err.count("\n") == 1 and "Traceback" not in err
    )


def test_verbose_shows_the_traceback(capsys):
    code, _, err = run(capsys, "--verbose", "--database-url", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert code == 1 and "Traceback" in err


@pytest.mark.parametrize(
    "args",
    [
        ["--end", "2026-13-01"],
        ["--days", "0"],
        ["--days", "x"],
        ["--tz", "Mars/Olympus"],
        ["--email", "not an address"],
        ["--format", "pdf"],
        ["--template", "/no/such/file"],
    ],
)
def test_bad_arguments_exit_2(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        weekly.main(args)
    assert exit_info.value.code == 2
    assert "error" in capsys.readouterr().err


def test_email_reaches_an_smtp_server_as_text_and_html(db, capsys, monkeypatch):
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            received.append(envelope)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(port))
        monkeypatch.setenv("REPORT_FROM", "analytics@example.org")
        code, out, err = run(
            capsys, *WEEK, "--email", "lead@example.org, ops@example.org", "--database-url", db
        )
    finally:
        controller.stop()
    assert (code, out, err) == (0, "", "")
    (envelope,) = received
    assert envelope.mail_from == "analytics@example.org"
    assert sorted(envelope.rcpt_tos) == ["lead@example.org", "ops@example.org"]
    message = message_from_bytes(envelope.content, policy=default_policy)
    assert message["Subject"] == "Chat Analytics weekly report: 16 Nov 2026 – 22 Nov 2026"
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.get_payload()
    assert text.get_content_type() == "text/plain" and "TOP TOPICS" in text.get_content()
    assert html.get_content_type() == "text/html" and "<svg" in html.get_content()


def test_smtp_failure_is_one_line(db, capsys, monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", "1")
    code, _, err = run(capsys, *WEEK, "--email", "lead@example.org", "--database-url", db)
    assert code == 1 and err.startswith("error: cannot send the email") and err.count("\n") == 1


def test_custom_template(db, capsys, tmp_path):
    template = tmp_path / "mine.html"
    template.write_text("<p>{{ report.sessions.total }} sessions, {{ report.top_topics[0].topic }} first</p>")
    code, out, _ = run(capsys, *WEEK, "--format", "html", "--template", str(template), "--database-url", db)
    assert (code, out) == (0, "<p>3 sessions, billing first</p>")
    broken = tmp_path / "broken.html"
    broken.write_text("{% for x in %}")
    code, _, err = run(capsys, *WEEK, "--format", "html", "--template", str(broken), "--database-url", db)
    assert code == 1 and err.startswith("error: the HTML template failed")


def test_module_entry_point(db):
    result = subprocess.run(
        [sys.executable, "-m", "reports.weekly", *WEEK, "--format", "json", "--database-url", db],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["sessions"]["total"] == 3
