"""benchmarks.ab: the pairing summary and the timing line it reads."""
from __future__ import annotations

import sys

import pytest

from benchmarks import ab, wallsend_speed


def test_summary_pairs_runs_in_order():
    # Pair 2 is slower on both sides (a busy minute); the ratio per pair sees through it.
    base = [1.00, 2.00, 1.10]
    head = [0.90, 1.70, 1.21]
    s = ab.summarise(base, head)
    assert s.pairs == 3
    assert s.median_ratio == pytest.approx(0.90)
    assert (s.low, s.high) == (pytest.approx(0.85), pytest.approx(1.10))
    assert s.faster == 2
    assert "faster in 2 of 3 pairs" in s.describe("abc")


def test_summary_rejects_unpaired_times():
    with pytest.raises(ValueError, match="pairs"):
        ab.summarise([1.0, 2.0], [1.0])


def test_reads_what_wallsend_speed_prints(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["wallsend_speed", "--place", "pembury", "--years", "1", "--repeats", "1"])
    wallsend_speed.main()
    printed = capsys.readouterr().out
    seconds = ab.parse_cpu(printed)
    assert 0 < seconds < 60
    assert f"best {seconds:.3f} s CPU" in printed


def test_unreadable_output_is_an_error():
    with pytest.raises(RuntimeError, match="best"):
        ab.parse_cpu("Traceback (most recent call last): ...")


@pytest.mark.skipif(not (ab.SOURCE_ROOT / ".git").exists(), reason="needs a git checkout")
def test_main_times_both_checkouts_in_alternating_order_and_cleans_up(monkeypatch, capsys):
    """The worktree is made from the named commit, each pair runs both, the order flips
    from pair to pair, and the worktree is gone afterwards."""
    import subprocess as sp

    calls = []

    def fake_time_run(checkout, place, years, repeats):
        calls.append(checkout)
        assert repeats == 2
        assert (checkout / "benchmarks" / "wallsend_speed.py").exists()
        return 1.0 if checkout == ab.SOURCE_ROOT else 2.0

    monkeypatch.setattr(ab, "time_run", fake_time_run)
    ab.main(["HEAD", "--pairs", "3", "--years", "1", "--repeats", "2"])
    out = capsys.readouterr().out
    assert "the best of 2 runs each" in out
    base_dir = next(c for c in calls if c != ab.SOURCE_ROOT)
    assert calls == [base_dir, ab.SOURCE_ROOT, ab.SOURCE_ROOT, base_dir, base_dir, ab.SOURCE_ROOT]
    assert "median 0.500" in out and "faster in 3 of 3 pairs" in out
    assert not base_dir.exists()
    listed = sp.run(["git", "worktree", "list"], cwd=ab.SOURCE_ROOT, capture_output=True, text=True).stdout
    assert str(base_dir) not in listed


@pytest.mark.skipif(not (ab.SOURCE_ROOT / ".git").exists(), reason="needs a git checkout")
def test_main_rejects_what_is_not_a_commit(capsys):
    with pytest.raises(SystemExit):
        ab.main(["no-such-commit-anywhere"])
    assert "is not a commit" in capsys.readouterr().err
