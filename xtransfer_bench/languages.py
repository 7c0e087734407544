"""The one table of languages and of each benchmark's language sets.

Every loader, task generator, trainer and report looks languages up here, so a
code is spelled one way across the project. Sources: the middle-layer paper's
Table 9 and appendix C (35-language analysis), the CL-ICP paper's section 6
(XQuAD / XCOPA / XNLI targets), the MASSIVE 1.1 locale list, FLORES-200 codes
as used by SIB-200, and LASER's Tatoeba v1 file names.
"""

from __future__ import annotations

from dataclasses import dataclass

from xtransfer_bench.errors import XtransferError


@dataclass(frozen=True)
class Language:
    iso: str  # ISO 639-1 where one exists (the key used in task names)
    name: str
    script: str  # ISO 15924
    flores: str  # FLORES-200 code, e.g. "deu_Latn"
    massive: str | None  # MASSIVE 1.1 locale, None if MASSIVE lacks the language
    tatoeba: str | None  # LASER Tatoeba v1 code, None if absent ("eng" is the pivot)
    # Coarse resource level after Joshi et al. (2020)'s taxonomy: high = classes
    # 4-5, medium = 3, low = 0-2. Used for grouping reports, never for scoring.
    resource: str

    @property
    def splits_into_characters(self) -> bool:
        """Scripts written without spaces between words; MASSIVE's official
        evaluation splits ja and zh utterances per character."""
        return self.iso in ("ja", "zh")


_ROWS = [
    # iso  name                  script  flores      massive   tatoeba  resource
    ("af", "Afrikaans", "Latn", "afr_Latn", "af-ZA", "afr", "medium"),
    ("am", "Amharic", "Ethi", "amh_Ethi", "am-ET", "amh", "low"),
    ("ar", "Arabic", "Arab", "arb_Arab", "ar-SA", "ara", "high"),
    ("az", "Azerbaijani", "Latn", "azj_Latn", "az-AZ", "aze", "low"),
    ("bn", "Bengali", "Beng", "ben_Beng", "bn-BD", "ben", "medium"),
    ("cs", "Czech", "Latn", "ces_Latn", None, "ces", "high"),
    ("cy", "Welsh", "Latn", "cym_Latn", "cy-GB", "cym", "low"),
    ("da", "Danish", "Latn", "dan_Latn", "da-DK", "dan", "medium"),
    ("de", "German", "Latn", "deu_Latn", "de-DE", "deu", "high"),
    ("el", "Greek", "Grek", "ell_Grek", "el-GR", "ell", "medium"),
    ("en", "English", "Latn", "eng_Latn", "en-US", "eng", "high"),
    ("es", "Spanish", "Latn", "spa_Latn", "es-ES", "spa", "high"),
    ("fr", "French", "Latn", "fra_Latn", "fr-FR", "fra", "high"),
    ("he", "Hebrew", "Hebr", "heb_Hebr", "he-IL", "heb", "medium"),
    ("hi", "Hindi", "Deva", "hin_Deva", "hi-IN", "hin", "high"),
    ("hr", "Croatian", "Latn", "hrv_Latn", None, "hrv", "high"),
    ("hu", "Hungarian", "Latn", "hun_Latn", "hu-HU", "hun", "high"),
    ("hy", "Armenian", "Armn", "hye_Armn", "hy-AM", "hye", "low"),
    ("id", "Indonesian", "Latn", "ind_Latn", "id-ID", "ind", "medium"),
    ("is", "Icelandic", "Latn", "isl_Latn", "is-IS", "isl", "low"),
    ("it", "Italian", "Latn", "ita_Latn", "it-IT", "ita", "high"),
    ("ja", "Japanese", "Jpan", "jpn_Jpan", "ja-JP", "jpn", "high"),
    ("jv", "Javanese", "Latn", "jav_Latn", "jv-ID", "jav", "low"),
    ("ka", "Georgian", "Geor", "kat_Geor", "ka-GE", "kat", "medium"),
    ("km", "Khmer", "Khmr", "khm_Khmr", "km-KH", "khm", "low"),
    ("kn", "Kannada", "Knda", "kan_Knda", "kn-IN", None, "low"),
    ("ko", "Korean", "Hang", "kor_Hang", "ko-KR", "kor", "high"),
    ("lv", "Latvian", "Latn", "lvs_Latn", "lv-LV", "lvs", "medium"),
    ("mn", "Mongolian", "Cyrl", "khk_Cyrl", "mn-MN", "mon", "low"),
    ("pt", "Portuguese", "Latn", "por_Latn", "pt-PT", "por", "high"),
    ("qu", "Quechua", "Latn", "quy_Latn", None, None, "low"),
    ("ru", "Russian", "Cyrl", "rus_Cyrl", "ru-RU", "rus", "high"),
    ("sk", "Slovak", "Latn", "slk_Latn", None, "slk", "medium"),
    ("sr", "Serbian", "Cyrl", "srp_Cyrl", None, "srp", "high"),
    ("sv", "Swedish", "Latn", "swe_Latn", "sv-SE", "swe", "high"),
    ("sw", "Swahili", "Latn", "swh_Latn", "sw-KE", "swh", "low"),
    ("th", "Thai", "Thai", "tha_Thai", "th-TH", "tha", "medium"),
    ("tl", "Tagalog", "Latn", "tgl_Latn", "tl-PH", "tgl", "medium"),
    ("tr", "Turkish", "Latn", "tur_Latn", "tr-TR", "tur", "high"),
    ("uk", "Ukrainian", "Cyrl", "ukr_Cyrl", None, "ukr", "medium"),
    ("ur", "Urdu", "Arab", "urd_Arab", "ur-PK", "urd", "medium"),
    ("zh", "Chinese", "Hans", "zho_Hans", "zh-CN", "cmn", "high"),
]

LANGUAGES: dict[str, Language] = {row[0]: Language(*row) for row in _ROWS}


class UnknownLanguageError(XtransferError, ValueError):
    pass


def get(code: str) -> Language:
    """Look a language up by ISO code, FLORES code, MASSIVE locale or Tatoeba code."""
    if code in LANGUAGES:
        return LANGUAGES[code]
    for lang in LANGUAGES.values():
        if code in (lang.flores, lang.massive, lang.tatoeba):
            return lang
    raise UnknownLanguageError(
        f"Unknown language {code!r}. Known ISO codes: {', '.join(sorted(LANGUAGES))} "
        "(FLORES codes, MASSIVE locales and Tatoeba codes of these work too). "
        "To add one, add a row to xtransfer_bench/languages.py."
    )


@dataclass(frozen=True)
class LanguageSets:
    """A benchmark's languages: trained on (supervised), evaluated zero-shot
    (transfer), and the subset of transfer languages that alignment uses."""

    supervised: tuple[str, ...]
    transfer: tuple[str, ...]
    aligned: tuple[str, ...] = ()

    @property
    def all(self) -> tuple[str, ...]:
        return self.supervised + self.transfer

    def groups(self) -> dict[str, tuple[str, ...]]:
        """Named groups as the papers report them (empty groups left out)."""
        named = {"supervised": self.supervised, "transfer": self.transfer, "aligned": self.aligned}
        return {name: langs for name, langs in named.items() if langs}


# Ordered as in the papers' tables (middle-layer Table 10; CL-ICP Table 2).
BENCHMARKS: dict[str, LanguageSets] = {
    "massive": LanguageSets(
        supervised=("ar", "en", "es", "ru", "zh"),
        transfer=("cy", "ja", "jv", "sw", "tl", "af", "az", "de", "el", "fr", "hi", "is", "th", "tr", "ur"),
        aligned=("cy", "ja", "jv", "sw", "tl"),
    ),
    "wmt": LanguageSets(supervised=("cs", "de", "is", "ru", "zh"), transfer=("he", "ja", "uk")),
    "uner": LanguageSets(supervised=("en", "pt", "zh"), transfer=("da", "sv", "hr", "sk", "sr"), aligned=("da", "sv")),
    "xquad": LanguageSets(supervised=("en",), transfer=("zh", "es", "tr", "el")),
    "xcopa": LanguageSets(supervised=("en",), transfer=("zh", "tr", "sw", "qu")),
    "xnli": LanguageSets(supervised=("en",), transfer=("zh", "tr", "sw", "el")),
}

# The 35 languages of the middle-layer paper's retrieval analysis (section 2,
# appendix C): every slot-filling and MT language plus twelve more.
RETRIEVAL_35: tuple[str, ...] = tuple(
    sorted(
        set(BENCHMARKS["massive"].all)
        | set(BENCHMARKS["wmt"].all)
        | {"en", "am", "bn", "it", "hu", "hy", "id", "kn", "ka", "mn", "km", "ko", "lv"}
    )
)


def benchmark(name: str) -> LanguageSets:
    try:
        return BENCHMARKS[name]
    except KeyError:
        raise ValueError(f"Unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}") from None
