"""The Tutor plugin, rendered by real Tutor releases: the lowest one it claims (21.0.0, Ulmo) and Verawood's.

For each release: a clean virtualenv with that Tutor, ``pip install ./tutor`` (which must keep that Tutor,
not upgrade it), ``tutor plugins enable`` and ``tutor config save``; then the rendered environment is read:
the openedx Dockerfile installs the configured requirement with the ``$PIP_COMMAND`` that release defines,
and the LMS and Studio settings carry a ``SESSIONROOM`` dict that turns the sweep on (Tutor runs no beat).

Building the virtualenvs downloads Tutor from the package index; ``SESSIONROOM_TUTOR_VENV`` (a path with
``{version}`` in it) reuses prepared ones.
"""

from __future__ import annotations

import os
import subprocess
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
RELEASES = {"21.0.0": "ulmo", "22.0.3": "verawood"}
SECRET = "s3cr'et\"with-both-quotes"


def run(*args, env=None, **kwargs):
    return subprocess.run(
        args, check=True, capture_output=True, text=True, timeout=900, env={**os.environ, **(env or {})}, **kwargs
    )


@pytest.fixture(scope="module", params=sorted(RELEASES))
def rendered(request, tmp_path_factory):
    version = request.param
    prepared = os.environ.get("SESSIONROOM_TUTOR_VENV", "").format(version=version)
    home = Path(prepared) if prepared else tmp_path_factory.mktemp(f"tutor-{version}") / "venv"
    if not (home / "bin" / "tutor").exists():
        venv.create(home, with_pip=True)
        run(str(home / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", f"tutor=={version}")
    pip = str(home / "bin" / "pip")
    run(pip, "install", "-q", "--disable-pip-version-check", str(REPO / "tutor"))
    root = tmp_path_factory.mktemp(f"tutor-root-{version}")
    tutor = [str(home / "bin" / "tutor")]
    env = {"TUTOR_ROOT": str(root), "TUTOR_PLUGINS_ROOT": str(root / "plugins")}
    installed = run(*tutor, "--version", env=env).stdout
    run(*tutor, "plugins", "enable", "sessionroom", env=env)
    run(
        *tutor,
        "config",
        "save",
        "--set",
        "SESSIONROOM_BBB_URL=https://bbb.example.org/bigbluebutton/",
        "--set",
        f"SESSIONROOM_BBB_SECRET={SECRET}",
        "--set",
        "LMS_HOST=lms.example.org",
        env=env,
    )
    return version, installed, root / "env"


def sessionroom_setting(settings_file: Path) -> dict:
    """Execute the plugin's part of a rendered settings module (the rest needs edx-platform)."""
    text = settings_file.read_text()
    start = text.index("# Session Room (tutor-contrib-sessionroom)")
    end = text.index("\n}\n", start) + 3
    namespace: dict = {}
    exec(compile(text[start:end], str(settings_file), "exec"), namespace)  # noqa: S102 - our own rendered file
    return namespace["SESSIONROOM"]


def test_installing_the_plugin_keeps_the_operators_tutor(rendered):
    version, installed, _env = rendered
    assert version in installed


def test_the_release_is_the_one_the_docs_name(rendered):
    version, _installed, env = rendered
    assert RELEASES[version] in (env / "build" / "openedx" / "Dockerfile").read_text()


def test_the_image_installs_the_requirement_with_the_releases_pip_command(rendered):
    _version, _installed, env = rendered
    dockerfile = (env / "build" / "openedx" / "Dockerfile").read_text()
    assert 'ARG PIP_COMMAND="uv pip"' in dockerfile
    ours = dockerfile.index("$PIP_COMMAND install 'sessionroom-xblock==")
    assert dockerfile.index("requirements/edx/base.txt") < ours < dockerfile.index("AS nodejs-requirements")


@pytest.mark.parametrize("service", ["lms", "cms"])
@pytest.mark.parametrize("flavour", ["production", "development"])
def test_lms_and_studio_settings_turn_the_sweep_on(rendered, service, flavour):
    _version, _installed, env = rendered
    setting = sessionroom_setting(env / "apps" / "openedx" / "settings" / service / f"{flavour}.py")
    assert setting["SWEEP_ENABLED"] is True
    assert setting["LMS_ROOT_URL"] == "http://lms.example.org"
    assert setting["PROVIDERS"]["bbb"]["SECRET"] == SECRET
    assert setting["PROVIDERS"]["p2p"] == {"ICE_SERVERS": [], "FALLBACK": ""}
    assert "plugnmeet" not in setting["PROVIDERS"]


def test_the_settings_pass_the_packages_own_check_of_periodic_work(rendered, settings):
    """What Tutor writes is what the system check wants: no warning about reminders never going out."""
    from sessionroom_xblock.checks import check_periodic_work

    _version, _installed, env = rendered
    settings.SESSIONROOM = sessionroom_setting(env / "apps" / "openedx" / "settings" / "lms" / "production.py")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}}
    assert check_periodic_work(None) == []
