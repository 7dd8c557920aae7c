"""How fast the strategy-session page answers, measured in a real browser.

Usage: python -m benchmarks.page_speed [--moves 4] [--years 20] [--replicates 8] [--place pembury]

Starts `placesim app` as the browser test does (its own process group, a free port of
127.0.0.1, stopped at the end with everything it started), opens the page in Debian's
Chromium with Playwright and prints, with the load average before and after each:
- opening: seconds from the request for the page to its first chart drawn with data;
- a slider move to a setting not seen before: seconds to the first picture of it (the
  chart data in the browser changed), and to all replicates in;
- the CPU seconds Chromium and the server (with its workers) used per move.
The issue 22 targets (Pembury, idle 2-core machine: first picture within 2 s of a move,
first chart within 5 s of opening) are for reading, never asserted.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

# The chart data the page has drawn, as one string (empty until the first chart has data).
SIGNATURE = """() => {
  const d = window.Bokeh && Bokeh.documents.length ? Bokeh.documents[0] : null;
  if (!d) return '';
  const parts = [];
  for (const name of ['extra-ks2', 'extra-eyfs_gld', 'ms-ks4']) {
    const s = d.get_model_by_name(name);
    if (!s) return '';
    for (const k of ['mid', 'scen_mid']) if (k in s.data) parts.push(Array.from(s.data[k]).map(v => v.toFixed(6)).join(','));
  }
  return parts.join('|').replace(/[|,]/g, '') === '' ? '' : parts.join('|');
}"""


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def group_cpu(pgid: int) -> float:
    """CPU seconds used so far by the live processes of a process group (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def group_members(pgid: int) -> list[int]:
    """Live processes of a process group (Linux /proc)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def stop_process_group(proc: subprocess.Popen) -> None:
    """Ctrl+C to the server, then SIGKILL to whatever is left of its process group, and
    wait until it is gone (SIGKILL is delivered asynchronously: a busy worker may take a
    moment). Shared with the browser tests (tests/test_app.py)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while group_members(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)


def start_app(args, folder: Path) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    log = folder / "server.log"
    proc = subprocess.Popen([sys.executable, "-m", "experiments.cli", "app", "--no-show", "--port", str(port),
                             "--years", str(args.years), "--replicates", str(args.replicates), "--place", args.place,
                             "--scenario-dir", str(folder / "scenarios"), "--runs-dir", str(folder)],
                            stdout=log.open("w"), stderr=subprocess.STDOUT, env=env, cwd=folder,
                            start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        text = log.read_text()
        if "serving http://127.0.0.1" in text:
            return proc, f"http://127.0.0.1:{port}/", log
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    stop_process_group(proc)
    sys.exit(f"benchmarks.page_speed: the page did not start:\n{log.read_text()[-2000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=4, help="slider moves to settings not seen before")
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--replicates", type=int, default=8)
    parser.add_argument("--place", default="pembury")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="placesim_page_speed_") as tmp:
        t_start = time.perf_counter()
        proc, url, log = start_app(args, Path(tmp))
        print(f"placesim app --place {args.place} --years {args.years} --replicates {args.replicates}: "
              f"served after {time.perf_counter() - t_start:.1f} s (workers warmed, baseline computed); "
              f"{os.cpu_count()} CPUs; viewport {args.width}x{args.height}")
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": args.width, "height": args.height})
                before = load()
                t0 = time.perf_counter()
                page.goto(url)
                page.wait_for_function(f"() => ({SIGNATURE})() !== ''", timeout=120_000, polling=20)
                opened = time.perf_counter() - t0
                print(f"  opening: first chart with data in {opened:.2f} s   load average {before} before, {load()} after")
                page.wait_for_timeout(1000)
                handle = page.locator(".ps-hours .noUi-handle").first
                handle.focus()
                firsts = []
                for i in range(args.moves):
                    _settle(page)
                    signature = page.evaluate(SIGNATURE)
                    before = load()
                    server0 = group_cpu(proc.pid)
                    chrome0 = _chromium_cpu()
                    t0 = time.perf_counter()
                    page.keyboard.press("ArrowLeft")        # hours per member: a setting not seen before
                    page.wait_for_function(f"() => {{ const s = ({SIGNATURE})(); return s !== '' && s !== {signature!r}; }}",
                                           timeout=120_000, polling=20)
                    first = time.perf_counter() - t0
                    _settle(page)
                    done = time.perf_counter() - t0
                    firsts.append(first)
                    print(f"  move {i + 1}: first picture {first:.2f} s, all replicates {done:.2f} s; CPU: "
                          f"Chromium {_chromium_cpu() - chrome0:.2f} s, server and workers "
                          f"{group_cpu(proc.pid) - server0:.2f} s   load average {before} before, {load()} after")
                firsts.sort()
                print(f"  first picture after a move: median {firsts[len(firsts) // 2]:.2f} s, "
                      f"best {firsts[0]:.2f} s, worst {firsts[-1]:.2f} s")
                browser.close()
        finally:
            stop_process_group(proc)


def _settle(page, timeout: float = 120.0) -> None:
    """Until the page says no update is running and the picture is what the controls ask for."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = page.locator(".ps-status").first
        if s.get_attribute("data-running") == "0" and s.get_attribute("data-drawn") == s.get_attribute("data-wanted"):
            return
        page.wait_for_timeout(50)
    raise SystemExit("benchmarks.page_speed: the page did not settle")


def _chromium_cpu() -> float:
    """CPU seconds used so far by the Chromium processes this benchmark started (the
    descendants of this process whose command line names chromium)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick,
                                          b"chrom" in (entry / "cmdline").read_bytes()[:300])
            except (OSError, ValueError):
                continue
    mine, total = {os.getpid()}, 0.0
    grew = True
    while grew:
        new = {pid for pid, (ppid, _, _) in stats.items() if ppid in mine and pid not in mine}
        mine |= new
        grew = bool(new)
    return sum(cpu for pid, (_, cpu, chrome) in stats.items() if pid in mine and chrome) + total


if __name__ == "__main__":
    main()
