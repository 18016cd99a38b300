"""How fast the built-in p2p room connects, and how much front end it ships. Prints figures; not a test.

Time to media: from the second participant's "Join Session" click to the first remote video frame
presented on that participant's page (``requestVideoFrameCallback``), median of 10 calls on loopback,
each in a fresh session with two fresh browser contexts. Goal: at most 0.5 s (issue 11). The tutor joins
first and waits, as a tutor usually does: their page polls signaling every 100 ms for its first 10 s
alone, then backs off (see ``static/js/p2p.js``), so a learner who comes later connects up to that
much slower.

Weight: the JS and CSS of the session fragment (``presenters.JS_FILES`` + ``CSS_FILES``), gzipped.
Goal: 40 KB at most.

Run inside a private network namespace so media stays on loopback (as root)::

    unshare -n sh -c 'ip link set lo up && /tmp/v312/bin/python benchmarks/bench_p2p_join.py'
"""

from __future__ import annotations

import gzip
import os
import socket
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devhost.settings")
os.environ.setdefault("SESSIONROOM_VAR", tempfile.mkdtemp(prefix="sessionroom-bench-"))
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop lives on this thread

RUNS = 10
FIRST_FRAME_AFTER_CLICK = """() => { window.sessionroomFirstFrame = new Promise((resolve) => {
  const button = document.querySelector('.sr-join');
  const video = document.querySelector('.sr-remote');
  button.addEventListener('click', () => {
    const clicked = performance.now();
    const watch = () => {
      if (!video.srcObject) { setTimeout(watch, 5); return; }
      video.requestVideoFrameCallback((presented) => resolve(presented - clicked));
    };
    watch();
  }, { once: true, capture: true });
}); }"""


def shipped_weight() -> None:
    """Raw and gzipped bytes of every file the fragment inlines, and of all of them together."""
    from sessionroom_xblock.screens import (
        presenters,  # noqa: PLC0415
        resources,  # noqa: PLC0415
    )

    print("Front end shipped with the session fragment (inlined; gzip level 9):")
    everything = b""
    for path in (*presenters.JS_FILES, *presenters.CSS_FILES):
        data = resources.load_text(path).encode()
        everything += data
        print(f"  {path:32} {len(data):7,d} B raw {len(gzip.compress(data, 9)):7,d} B gzipped")
    total = len(gzip.compress(everything, 9))
    print(f"  {'all together':32} {len(everything):7,d} B raw {total:7,d} B gzipped")
    print(f"  = {total / 1024:.1f} KB gzipped (goal: at most 40 KB)")


def time_to_media() -> list[float]:
    """Seconds from the learner's Join click to the tutor's first frame on the learner's page, per run."""
    import django  # noqa: PLC0415

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415
    from django.test.testcases import LiveServerThread  # noqa: PLC0415
    from playwright.sync_api import sync_playwright  # noqa: PLC0415
    from workbench.scenarios import init_scenarios  # noqa: PLC0415

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: PLC0415
    from tests.factories import make_session, make_user  # noqa: PLC0415

    call_command("migrate", run_syncdb=True, verbosity=0)
    init_scenarios()
    learner = make_user("learner", first_name="Ana", last_name="García")
    tutor = make_user("tutor", first_name="Tomás", last_name="Okafor")
    server = LiveServerThread("localhost", static_handler=_static_handler(), port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://localhost:{server.port}"
    timings = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            for run in range(RUNS + 1):  # the first run warms up Chromium and Django; not counted
                session = make_session(learner, tutor)
                contexts = [browser.new_context(permissions=["camera", "microphone"], base_url=base) for _ in range(2)]
                tutor_page, learner_page = (context.new_page() for context in contexts)
                tutor_page.goto(f"/sessionroom/session/{session.pk}/?student=tutor")
                tutor_page.get_by_role("button", name="Join Session").click()
                tutor_page.wait_for_selector(".sessionroom[data-screen='room']")
                learner_page.goto(f"/scenario/sessionroom.0/?student=learner&session={session.pk}")
                learner_page.get_by_role("button", name="Join Session").wait_for()
                learner_page.evaluate(FIRST_FRAME_AFTER_CLICK)
                learner_page.get_by_role("button", name="Join Session").click()
                seconds = learner_page.evaluate("() => window.sessionroomFirstFrame") / 1000
                if run:
                    timings.append(seconds)
                print(f"  run {run or 'warm-up'}: {seconds:.3f} s")
                for context in contexts:
                    context.close()
            browser.close()
    finally:
        server.terminate()
    return timings


def _static_handler():
    from django.contrib.staticfiles.handlers import StaticFilesHandler  # noqa: PLC0415

    return StaticFilesHandler


def main() -> None:
    interfaces = [name for _index, name in socket.if_nameindex()]
    if interfaces != ["lo"]:
        print(f"Warning: interfaces {interfaces}; run under `unshare -n` so media stays on loopback.")
    print(f"Time from the second participant's Join click to the first remote frame ({RUNS} runs):")
    timings = time_to_media()
    print(
        f"  median {statistics.median(timings):.3f} s, min {min(timings):.3f} s, max {max(timings):.3f} s "
        "(goal: median at most 0.5 s)"
    )
    shipped_weight()


if __name__ == "__main__":
    main()
