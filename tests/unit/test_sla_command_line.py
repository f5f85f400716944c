"""`sagir-desk sla deadline|explain`: answers, and one-line refusals with exit code 2."""

from __future__ import annotations

import io

import pytest

from starter.cli.main import main


def run(
    args: list[str],
    capsys: pytest.CaptureFixture[str],
    stdin: str | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> tuple[int, str, str]:
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_deadline_prints_one_iso_deadline_per_timestamp(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["sla", "deadline", "--channel", "phone", "2026-11-24T11:50", "2026-06-23 16:20"], capsys
    )
    assert code == 0
    assert out.splitlines() == ["2026-11-24T14:05:00-05:00", "2026-06-25T08:35:00-04:00"]


def test_deadline_reads_standard_input_line_by_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(
        ["sla", "deadline", "--channel", "email"],
        capsys,
        stdin="2026-11-23T10:00\nnot a time\n2026-11-27T16:00-05:00\n",
        monkeypatch=monkeypatch,
    )
    assert out.splitlines() == ["2026-11-24T10:00:00-05:00", "2026-11-30T08:30:00-05:00"]
    assert code == 2 and err.count("\n") == 1 and "'not a time' is not ISO 8601" in err


def test_bad_channel_is_one_line_and_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["sla", "deadline", "--channel", "sms", "2026-11-24T11:50"], capsys)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "channel 'sms' is not one of phone, web" in err


def test_bad_timestamp_answers_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        ["sla", "deadline", "--channel", "phone", "2026-11-24T11:50", "2026-13-01T10:00"], capsys
    )
    assert (code, out) == (2, "") and "'2026-13-01T10:00' is not ISO 8601" in err


def test_local_time_skipped_by_daylight_saving_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(["sla", "deadline", "--channel", "phone", "2026-03-08T02:30"], capsys)
    assert code == 2 and "does not exist in America/Montreal" in err


def test_urgent_is_for_phone_requests_only(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        ["sla", "deadline", "--channel", "fax", "--urgent", "2026-11-24T11:50"], capsys
    )
    assert code == 2 and "urgent applies only to phone requests" in err


def test_explain_shows_counted_periods_and_skipped_closures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(["sla", "explain", "--channel", "phone", "2026-06-23T16:20"], capsys)
    assert code == 0
    assert "counted: 2026-06-23T16:20:00-04:00 (Tue) to 2026-06-23T16:30:00-04:00 (Tue)" in out
    assert "skipped: 2026-06-24 (public holiday: Saint John the Baptist Day)" in out
    assert out.splitlines()[-1] == "due: 2026-06-25T08:35:00-04:00 (Thu)"
