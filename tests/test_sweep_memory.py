"""benchmarks/sweep_memory.py on a tiny sweep: it runs the real command and records memory."""
from __future__ import annotations

import pandas as pd


def test_sweep_memory_samples_the_whole_process_tree(tmp_path, capsys):
    from benchmarks import sweep_memory

    assert sweep_memory.main(["--points", "8", "--replicates", "2", "--years", "1",
                              "--out", str(tmp_path)]) == 0
    samples = pd.read_csv(tmp_path / "samples.csv")
    assert len(samples) >= 2
    # The tree holds Python with numpy, numba and mesa: well above a bare interpreter,
    # and PSS (shared pages split) never above the RSS sum.
    assert samples["rss_mb"].max() > 150
    assert (samples["pss_mb"] <= samples["rss_mb"] + 1e-6).all()
    assert (tmp_path / "memory.png").read_bytes().startswith(b"\x89PNG")
    printed = capsys.readouterr().out
    assert "16 runs" in printed and "peak tree memory" in printed
    sweeps = list(tmp_path.glob("sweep_*/status/*.json"))
    assert sweeps, "the sweep wrote its tasks"
