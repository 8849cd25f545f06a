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

Click's own messages (usage errors, "Usage:", "Options", "Show this message and exit.") are gettext
calls in click's modules (``from gettext import gettext as _`` in every click release parxl supports,
8.1 to 8.5): :func:`set_language` points those names at this catalog, which holds click's msgids too
(marked ``#. click`` in the .po), so a usage error reads in the language chosen.  That is the
translation installed for click, not a global one: ``gettext.gettext`` itself and other libraries are
left alone.

Finding messages are in this catalog too: each finding code (:mod:`parxl.findings`) carries its message as
an English msgid marked :func:`N_` (translated when a finding is worded, not when the catalog is built).  Text
whose language is fixed — workbooks and documents are Vietnamese whoever runs the command — is translated
through :func:`translation` ("vi"), not the language the command line speaks; :func:`finding_message` words a
finding in the command line's language.
"""
from __future__ import annotations

import errno
import gettext
import os
import sys
from pathlib import Path

DOMAIN = "parxl"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("vi", "en")
DEFAULT = "vi"
ENV = "PARXL_LANG"

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"   # the source strings, until set_language() is called
_loaded: dict[str, gettext.NullTranslations] = {}


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
    _translation = translation(lang)
    _language = lang
    _install_for_click()


def translation(lang: str) -> gettext.NullTranslations:
    """The catalog of ``lang`` ("vi", or "en": the source strings), whatever language the command line speaks:
    for text whose language is fixed (``translation("vi").gettext`` words a workbook).  Loaded once."""
    t = _loaded.get(lang)
    if t is None:
        code = normalize(lang) or DEFAULT
        if code not in _loaded:
            try:
                _loaded[code] = (gettext.NullTranslations() if code == "en"
                                 else gettext.translation(DOMAIN, LOCALE_DIR, languages=[code]))
            except OSError as e:      # never English instead: workbooks and documents must stay Vietnamese
                raise RuntimeError(f"parxl is installed without its {code} message catalog "
                                   f"({LOCALE_DIR / code / 'LC_MESSAGES' / (DOMAIN + '.mo')}): reinstall parxl") from e
        t = _loaded[lang] = _loaded[code]
    return t


def N_(message: str) -> str:
    """Marks ``message`` (English source) as a msgid to translate later, where it is worded (a finding's
    message in the catalog of :mod:`parxl.findings`): returned as it is."""
    return message


# click's modules that call gettext (click 8.1-8.5 import ``gettext``/``ngettext`` by name in each)
_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "shell_completion", "termui",
                  "types", "utils", "_termui_impl")


def _install_for_click() -> None:
    """Make click's messages speak the current language: each click module's ``_``/``ngettext`` (bound to
    the stdlib's ``gettext.gettext``/``gettext.ngettext`` at import) is pointed at this module's."""
    import click  # noqa: F401  (imports click's modules)
    for name in _CLICK_MODULES:
        mod = sys.modules.get(f"click.{name}")
        if mod is None:
            continue
        if getattr(mod, "_", None) in (gettext.gettext, _click_gettext):
            mod._ = _click_gettext
        if getattr(mod, "ngettext", None) in (gettext.ngettext, _click_ngettext):
            mod.ngettext = _click_ngettext


def _click_gettext(message: str) -> str:
    return _translation.gettext(message)


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def language() -> str:
    return _language


def _(message: str) -> str:
    """``message`` (English source) in the current language."""
    return _translation.gettext(message)


def translated(message: str) -> str:
    """``message`` in the current language, for a msgid that is no literal ``_()`` argument: a --help text
    (a command's docstring, an option's ``help=``), which the CLI translates when click shows it."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for ``n`` items (English has two forms; Vietnamese one)."""
    return _translation.ngettext(singular, plural, n)


def os_reason(e: BaseException) -> str:
    """Why an operating-system call failed, in the current language: the OS's own words (``strerror``) are
    English on a server in the C locale ("No such file or directory", "Not a directory")."""
    reasons = {errno.ENOENT: _("no such file or folder"), errno.ENOTDIR: _("a part of the path is not a folder"),
               errno.EISDIR: _("it is a folder"), errno.EACCES: _("permission denied"),
               errno.EPERM: _("operation not permitted"),
               errno.EEXIST: _("it already exists (a file where a folder is expected?)"),
               errno.ENOSPC: _("no space left on the disk"), errno.EROFS: _("the disk is read-only"),
               errno.ENAMETOOLONG: _("the name is too long"), errno.EBUSY: _("in use by another program")}
    code = getattr(e, "errno", None)
    if code in reasons:
        return reasons[code]
    return getattr(e, "strerror", None) or str(e)


def finding_message(f) -> str:
    """A finding's message in the current language (a :class:`parxl.findings.Finding`)."""
    return f.render(_translation.gettext)
