"""The language parxl speaks to the operator: Vietnamese by default, English on request.

Messages are written in English in the code, wrapped in :func:`_` (or :func:`ngettext` where English
needs a plural), and translated through the stdlib :mod:`gettext` from the catalog
``parxl/locale/vi/LC_MESSAGES/parxl.po`` (compiled to ``parxl.mo``, committed beside it; a test checks
that the ``.mo`` says what the ``.po`` says).

The command line chooses the language once, before a command runs (:func:`set_language`): ``--lang``,
else ``PARXL_LANG``, else Vietnamese.  ``LANG``/``LC_ALL`` are deliberately not followed: servers run
with ``LANG=en_US.UTF-8`` or ``C`` while the people reading the output are a Vietnamese secretariat.
A program that uses parxl as a library and never calls :func:`set_language` gets the English source
strings, as a library should.

Finding messages are not in this catalog: each finding code carries its Vietnamese and English message
(:mod:`parxl.findings`); :func:`finding_message` picks the one for the current language.
"""
from __future__ import annotations

import gettext
import os
from pathlib import Path

DOMAIN = "parxl"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("vi", "en")
DEFAULT = "vi"
ENV = "PARXL_LANG"

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"   # the source strings, until set_language() is called


def normalize(lang: str | None) -> str | None:
    """``"EN"``, ``"en_US.UTF-8"``, ``"vi-VN"`` → ``"en"``/``"vi"``; anything else → None."""
    if not lang:
        return None
    code = lang.strip().lower().replace("-", "_").split(".")[0].split("_")[0]
    return code if code in LANGUAGES else None


def choose(option: str | None = None) -> str:
    """The language to speak: the option, else ``PARXL_LANG``, else Vietnamese."""
    return normalize(option) or normalize(os.environ.get(ENV)) or DEFAULT


def set_language(lang: str) -> None:
    """Speak ``lang`` ("vi" or "en") from now on."""
    global _translation, _language
    lang = normalize(lang) or DEFAULT
    if lang == "en":
        _translation = gettext.NullTranslations()
    else:
        _translation = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])
    _language = lang


def language() -> str:
    return _language


def _(message: str) -> str:
    """``message`` (English source) in the current language."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for ``n`` items (English has two forms; Vietnamese one)."""
    return _translation.ngettext(singular, plural, n)


def finding_message(f) -> str:
    """A finding's message in the current language (the catalog in parxl.findings holds both)."""
    return f.message_en if _language == "en" else f.message
