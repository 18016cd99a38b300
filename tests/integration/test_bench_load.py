"""The load benchmark runs end to end (``--quick``): gunicorn, Redis, simulated participants, its report lines.

The figures themselves are for the README (a full run takes minutes); this checks the benchmark works and
that the connected p2p pattern it replays stays within the request budget of issue 11.
"""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
LINE = re.compile(
    r"^load: (?P<state>[a-z0-9_-]+) sessions=(?P<n>\d+) requests_per_session_minute=(?P<requests>[\d.]+) "
    r"db_writes_per_session_minute=(?P<writes>[\d.]+) p50_ms=[\d.]+ p99_ms=[\d.]+ cpu_s_per_session_minute=[\d.]+$"
)


def redis_is_up() -> bool:
    import redis

    try:
        return redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not redis_is_up(), reason="needs Redis on 127.0.0.1:6379 (scripts/services start)")
def test_quick_load_benchmark_reports_every_state(tmp_path):
    result = subprocess.run(
        [sys.executable, "benchmarks/bench_load.py", "--quick", "--sqlite"],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "SESSIONROOM_VAR": str(tmp_path), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = {match["state"]: match for match in map(LINE.match, result.stdout.splitlines()) if match}
    assert set(rows) == {
        "connected_p2p",
        "waiting",
        "provider_room",
        "handler-connected_p2p",
        "handler-waiting",
        "handler-provider_room",
    }
    assert float(rows["connected_p2p"]["requests"]) <= 6
    planned = [float(line.split()[1]) for line in result.stdout.splitlines() if line.strip().startswith("pattern:")]
    assert len(planned) == 6 and planned[0] <= 6 < 100 < planned[3]
    assert float(rows["handler-connected_p2p"]["requests"]) > 100
    # Every simulated request was answered 200: no refusals, no rate limiting, no server errors.
    statuses = [
        ast.literal_eval(line.split(":", 1)[1].split("}")[0] + "}")
        for line in result.stdout.splitlines()
        if "statuses:" in line
    ]
    assert len(statuses) == 6 and all(set(each) <= {200} for each in statuses)
    assert re.search(r"^connected p2p: [\d.]+ requests per session-minute$", result.stdout, re.MULTILINE)
