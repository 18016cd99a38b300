"""Extract and compile the package's translations (one gettext domain, ``text``, for templates, Python and JS).

    python scripts/i18n.py extract   # templates/, sessionroom_xblock/, static/js/ -> translations/en/.../text.po,
                                     # then msgmerge into every other language's text.po
    python scripts/i18n.py compile   # text.po -> text.mo for every language (msgfmt --check)
    python scripts/i18n.py check     # fail when a language has untranslated or fuzzy strings

Templates are turned into gettext calls by Django's own ``templatize`` (what ``makemessages`` uses), so
``{% trans %}`` and ``{% blocktrans %}`` (with plurals) are extracted exactly as Django reads them.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TRANSLATIONS = REPO / "translations"
SOURCE = TRANSLATIONS / "en" / "LC_MESSAGES" / "text.po"
PY_KEYWORDS = ["_", "gettext", "gettext_noop", "_noop", "ngettext:1,2", "pgettext:1c,2", "gettext_lazy"]
JS_KEYWORDS = ["gettext", "t", "ngettext:1,2"]


def xgettext(language: str, keywords: list[str], files: list[Path], output: Path) -> None:
    args = ["xgettext", f"--language={language}", "--from-code=UTF-8", "--no-wrap", "--sort-by-file"]
    args += ["--add-comments=Translators", "--package-name=sessionroom-xblock", f"--output={output}"]
    args += [f"--keyword={keyword}" for keyword in keywords]
    subprocess.run(args + [str(path.relative_to(REPO)) for path in files], cwd=REPO, check=True)


def templatized(workdir: Path) -> list[Path]:
    """Each template as Python-ish gettext calls, named like the template so references stay readable."""
    import django
    from django.conf import settings
    from django.utils.translation.template import templatize

    if not settings.configured:
        settings.configure(USE_I18N=True)
        django.setup()
    out = []
    for template in sorted(p for p in (REPO / "templates").rglob("*") if p.suffix in (".html", ".txt")):
        target = workdir / template.relative_to(REPO)
        target = target.with_name(target.name + ".py")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(templatize(template.read_text(encoding="utf-8"), origin=str(template)), encoding="utf-8")
        out.append(target)
    return out


def extract() -> None:
    SOURCE.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=REPO) as tmp:
        work = Path(tmp)
        parts = []
        templates = templatized(work)
        if templates:
            parts.append(work / "templates.pot")
            xgettext("Python", PY_KEYWORDS, templates, parts[-1])
            text = parts[-1].read_text(encoding="utf-8").replace(f"{work.name}/", "")
            parts[-1].write_text(text.replace(".html.py", ".html").replace(".txt.py", ".txt"), encoding="utf-8")
        python = sorted(p for p in (REPO / "sessionroom_xblock").rglob("*.py") if "migrations" not in p.parts)
        parts.append(work / "python.pot")
        xgettext("Python", PY_KEYWORDS, python, parts[-1])
        scripts = sorted((REPO / "static" / "js").rglob("*.js"))
        if scripts:
            parts.append(work / "js.pot")
            xgettext("JavaScript", JS_KEYWORDS, scripts, parts[-1])
        existing = [str(part) for part in parts if part.exists()]
        template = work / "text.pot"
        subprocess.run(["msgcat", "--no-wrap", "--use-first", "-o", str(template), *existing], check=True)
        english = ["msginit", "--no-translator", "--no-wrap", "--locale=en_US.UTF-8", f"--input={template}"]
        subprocess.run([*english, f"--output-file={SOURCE}"], check=True, capture_output=True)
        for po in TRANSLATIONS.glob("*/LC_MESSAGES/text.po"):
            if po != SOURCE:
                merge = ["msgmerge", "--quiet", "--no-wrap", "--update", "--backup=none", str(po), str(template)]
                subprocess.run(merge, check=True)
    print(f"extracted {SOURCE.relative_to(REPO)}")


def compile_all() -> None:
    """text.mo for Python and templates; textjs.mo holds only the messages the scripts use."""
    scripts = sorted((REPO / "static" / "js").rglob("*.js"))
    with tempfile.TemporaryDirectory() as tmp:
        js_template = Path(tmp) / "js.pot"
        xgettext("JavaScript", JS_KEYWORDS, scripts, js_template)
        for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/text.po")):
            subprocess.run(["msgfmt", "--check", "-o", str(po.with_suffix(".mo")), str(po)], check=True)
            if js_template.exists():
                js_po = Path(tmp) / f"{po.parent.parent.name}.po"
                merge = ["msgmerge", "--quiet", "--no-fuzzy-matching", "-o", str(js_po), str(po), str(js_template)]
                subprocess.run(merge, check=True)
                subprocess.run(["msgfmt", "-o", str(po.with_name("textjs.mo")), str(js_po)], check=True)
            print(f"compiled {po.parent.relative_to(REPO)}/text.mo and textjs.mo")


def check() -> int:
    failures = 0
    for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/text.po")):
        if po == SOURCE:
            continue
        stats = subprocess.run(
            ["msgfmt", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True, check=True
        ).stderr.strip()
        print(f"{po.parent.parent.name}: {stats}")
        failures += "untranslated" in stats or "fuzzy" in stats
    return failures


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "extract":
        extract()
    elif command == "compile":
        compile_all()
    elif command == "check":
        sys.exit(1 if check() else 0)
    else:
        sys.exit(__doc__)
