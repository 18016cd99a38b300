"""A wheel built from the repository, installed in a clean venv, renders every screen.

setup.py maps the top-level static/, templates/ and translations/ into the package; only a built wheel
honours that mapping, so this test builds one and looks at what a platform operator would install.
"""

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def run(*args, **kwargs):
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    work = tmp_path_factory.mktemp("wheel")
    # What `make dist` runs: the sdist first, then the wheel built from the unpacked sdist.
    run(sys.executable, "-m", "build", "--outdir", str(work / "dist"), str(REPO), cwd=work)
    wheels = list((work / "dist").glob("sessionroom_xblock-*.whl"))
    assert len(wheels) == 1
    venv.create(work / "venv", with_pip=True)
    python = str(work / "venv" / "bin" / "python")
    constraints = str(REPO / "requirements" / "constraints.txt")
    run(
        python,
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
        "-c",
        constraints,
        "-r",
        str(REPO / "requirements" / "django.txt"),
        "-r",
        str(REPO / "requirements" / "demo.txt"),
        str(wheels[0]),
    )
    output = run(python, str(REPO / "tests" / "wheel_check.py"), cwd=work).stdout
    # What the package alone pulls in (the dev host's xblock-sdk requires web-fragments on its own).
    report = work / "resolution.json"
    run(
        python,
        "-m",
        "pip",
        "install",
        "-q",
        "--dry-run",
        "--ignore-installed",
        "--report",
        str(report),
        "-c",
        constraints,
        str(wheels[0]),
    )
    resolved = {
        item["metadata"]["name"].lower(): item["metadata"]["version"]
        for item in json.loads(report.read_text())["install"]
    }
    artifacts = sorted(path.name for path in (work / "dist").iterdir())
    return {**json.loads(output), "resolved": resolved, "artifacts": artifacts}, work


def test_make_dist_builds_the_sdist_and_the_wheel_from_it(report):
    data, work = report
    assert data["artifacts"] == ["sessionroom_xblock-0.1.0-py3-none-any.whl", "sessionroom_xblock-0.1.0.tar.gz"]


def test_the_package_leaves_web_fragments_to_xblock(report):
    """
    XBlock >= 6.2 ships web_fragments itself, so the package must not pull the web-fragments distribution
    too (two distributions writing the same files); with older XBlock, XBlock requires it.
    """
    data, _ = report
    resolved = data["resolved"]
    xblock = tuple(int(part) for part in resolved["xblock"].split(".")[:2])
    assert ("web-fragments" in resolved) == (xblock < (6, 2)), resolved


def test_installed_package_carries_its_templates_and_translations(report):
    data, work = report
    package = Path(data["package"]).parent
    assert str(package).startswith(str(work / "venv"))
    assert Path(data["templates"]) == package / "templates"
    assert Path(data["translations"]) == package / "translations"


@pytest.mark.parametrize(
    "page,words", [("prejoin", "Join Session"), ("early", "Join Session"), ("post", "Session Ended")]
)
def test_every_screen_renders_from_the_wheel(report, page, words):
    data, _ = report
    rendered = data["pages"][page]
    assert rendered["status"] == 200
    assert words in rendered["html"] and "Tomás Okafor" in rendered["html"]
    assert "Wheel Check Course" in rendered["html"]
    assert "SessionRoomXBlock" in rendered["html"] and ".sessionroom" in rendered["html"]
