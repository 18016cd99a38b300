"""Packaging: the repository's top-level static/, templates/ and translations/ ship inside the package.

The product owner keeps those folders at the top of the repository; the platform looks for them inside
the installed package (ResourceLoader, the XBlock i18n service). ``package_dir`` maps them in, which only
a built wheel (not an editable install) honours, so every install here is non-editable.
"""

import os
import re

from setuptools import find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))
MAPPED_FOLDERS = ("static", "templates", "translations")


def version():
    """The version from the package's ``__init__``, without importing it."""
    with open(os.path.join(HERE, "sessionroom_xblock", "__init__.py"), encoding="utf-8") as handle:
        return re.search(r'^__version__ = "([^"]+)"', handle.read(), re.M).group(1)


def data_files_of(folder):
    """Every file below ``folder``, relative to it, for ``package_data``."""
    found = []
    for root, _dirs, files in os.walk(os.path.join(HERE, folder)):
        for name in files:
            if name.endswith((".pyc", "~")):
                continue
            found.append(os.path.relpath(os.path.join(root, name), os.path.join(HERE, folder)))
    return found


def readme():
    """The README, as the long description."""
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as handle:
        return handle.read()


PACKAGES = find_packages(include=["sessionroom_xblock", "sessionroom_xblock.*"])
PACKAGE_DIR = {"sessionroom_xblock": "sessionroom_xblock"}
PACKAGE_DATA = {
    "sessionroom_xblock": ["migrations/*.py"],
}
for mapped in MAPPED_FOLDERS:
    dotted = f"sessionroom_xblock.{mapped}"
    PACKAGES.append(dotted)
    PACKAGE_DIR[dotted] = mapped
    PACKAGE_DATA[dotted] = data_files_of(mapped)

setup(
    name="sessionroom-xblock",
    version=version(),
    description="Session Room: live 1-on-1 tutoring sessions (BigBlueButton, plugNmeet or peer-to-peer) for Open edX",
    long_description=readme(),
    long_description_content_type="text/markdown",
    license="AGPL-3.0-only",
    packages=PACKAGES,
    package_dir=PACKAGE_DIR,
    package_data=PACKAGE_DATA,
    include_package_data=False,
    python_requires=">=3.11",
    install_requires=[
        # XBlock < 6.2 requires web-fragments; XBlock >= 6.2 ships the web_fragments package itself. Requiring
        # web-fragments here as well would install two distributions writing the same files.
        "XBlock>=5.2,<7",
        "Django>=4.2,<6.0",
        "edx-opaque-keys>=2.5",
        "edx-django-utils>=5.0",
        "django-crum>=0.7",
        "celery>=5.2,<6",
        "requests>=2.28",
        "urllib3>=2",
        "djangorestframework>=3.14",
        "uritemplate>=4.1",  # DRF's OpenAPI schema generator
        "inflection>=0.5",  # DRF's OpenAPI schema generator
        "PyYAML>=6",  # the schema in YAML
        "PyJWT>=2.8",
        "defusedxml>=0.7",
        "icalendar>=5",
    ],
    extras_require={"s3": ["django-storages>=1.14", "boto3>=1.28"]},
    entry_points={
        "xblock.v1": ["sessionroom = sessionroom_xblock:SessionRoomXBlock"],
        "lms.djangoapp": ["sessionroom_xblock = sessionroom_xblock.apps:SessionRoomConfig"],
        "cms.djangoapp": ["sessionroom_xblock = sessionroom_xblock.apps:SessionRoomConfig"],
    },
    classifiers=[
        "Framework :: Django",
        "Framework :: Django :: 4.2",
        "Framework :: Django :: 5.2",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
    ],
)
