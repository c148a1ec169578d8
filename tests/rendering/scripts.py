"""One certificate per supported script: the names, titles and languages that the golden
images, the PDF checks, the sample sheet (docs/scripts-sample.png) and bench/ draw."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .helpers import make_data


@dataclass(frozen=True)
class Sample:
    name: str
    title: str
    language: str
    date: str


SCRIPTS = {
    "latin": Sample("Zoë Ångström-Nguyễn", "Workshop on Typography", "fr", "14 mars 2025"),
    "greek": Sample("Ελένη Παπαδοπούλου", "Συνέδριο Ιστορίας", "el", "14 Μαρτίου 2025"),
    "cyrillic": Sample("Александра Пушкина", "Летняя школа физики", "ru", "14 марта 2025 г."),
    "arabic": Sample("محمد عبد الله", "مؤتمر البرمجة 2025", "ar", "١٤ مارس ٢٠٢٥"),
    "hebrew": Sample("יעל כהן", "כנס Python ישראל 2025", "he", "14 במרץ 2025"),
    "devanagari": Sample("दीपिका पादुकोण", "राष्ट्रीय विज्ञान सम्मेलन", "hi", "14 मार्च 2025"),
    "tamil": Sample("முத்துலட்சுமி ரெட்டி", "தமிழ் இலக்கிய மாநாடு", "ta", "14 மார்ச், 2025"),
    "thai": Sample("ยุทธนา สุขสวัสดิ์", "การประชุมวิชาการ", "th", "14 มีนาคม 2568"),
    "chinese-simplified": Sample("王小明", "人工智能研讨会", "zh-Hans", "2025年3月14日"),
    "chinese-traditional": Sample("陳美麗", "資訊安全研討會", "zh-Hant", "2025年3月14日"),
    "japanese": Sample("山田 花子", "日本語処理シンポジウム", "ja", "2025年3月14日"),
    "korean": Sample("김민준", "한국 소프트웨어 학회", "ko", "2025년 3월 14일"),
    "mixed": Sample("Ana محمد 王 יעל", "Summit مؤتمر 2025 हिन्दी", "en", "14 March 2025"),
}


def certificate_data(script: str):
    """The certificate data of one sample: its name, title, date and language."""
    sample = SCRIPTS[script]
    return replace(
        make_data(),
        holder_name=sample.name,
        event_title=sample.title,
        event_date=sample.date,
        language=sample.language,
    )
