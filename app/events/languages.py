"""The languages an event's certificates can be written in.

Stored as BCP 47 tags (`zh-Hant`); Babel, which formats the certificate's dates, wants
`zh_Hant`. Every tag here has Babel locale data (a test checks), and each is a language
whose script the certificate fonts draw.
"""

from __future__ import annotations

LANGUAGES = (
    ("en", "English"),
    ("ar", "العربية (Arabic)"),
    ("bn", "বাংলা (Bengali)"),
    ("de", "Deutsch (German)"),
    ("el", "Ελληνικά (Greek)"),
    ("es", "Español (Spanish)"),
    ("fa", "فارسی (Persian)"),
    ("fr", "Français (French)"),
    ("he", "עברית (Hebrew)"),
    ("hi", "हिन्दी (Hindi)"),
    ("id", "Bahasa Indonesia (Indonesian)"),
    ("it", "Italiano (Italian)"),
    ("ja", "日本語 (Japanese)"),
    ("ko", "한국어 (Korean)"),
    ("mr", "मराठी (Marathi)"),
    ("nl", "Nederlands (Dutch)"),
    ("pl", "Polski (Polish)"),
    ("pt", "Português (Portuguese)"),
    ("ru", "Русский (Russian)"),
    ("sv", "Svenska (Swedish)"),
    ("ta", "தமிழ் (Tamil)"),
    ("th", "ไทย (Thai)"),
    ("tr", "Türkçe (Turkish)"),
    ("uk", "Українська (Ukrainian)"),
    ("vi", "Tiếng Việt (Vietnamese)"),
    ("zh-Hans", "简体中文 (Chinese, simplified)"),
    ("zh-Hant", "繁體中文 (Chinese, traditional)"),
)
CODES = frozenset(code for code, _name in LANGUAGES)


def babel_locale(tag: str):
    """The Babel locale of a stored tag (English for a tag not in the list). English
    dates read day month year ("2 May 2024"), as they did before languages existed."""
    from babel import Locale

    code = tag if tag in CODES and tag != "en" else "en-GB"
    return Locale.parse(code.replace("-", "_"))
