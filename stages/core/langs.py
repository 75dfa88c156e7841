"""Language codes the pipeline accepts, their names as prompts render them, and the CJK character class."""

# Scripts written without spaces between words: kana, CJK ideographs (and extension A, compatibility
# forms), hangul syllables, CJK punctuation and full-width forms. Tokenizers isolate each such character;
# length filters count them one by one, as words are counted elsewhere.
CJK = r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]"

# ISO 639-1 code -> (English name, Chinese name). ParroT renders language names in the
# instruction language, so each entry carries both.
LANGUAGES: dict[str, tuple[str, str]] = {
    "ar": ("Arabic", "阿拉伯语"),
    "bg": ("Bulgarian", "保加利亚语"),
    "ca": ("Catalan", "加泰罗尼亚语"),
    "cs": ("Czech", "捷克语"),
    "da": ("Danish", "丹麦语"),
    "de": ("German", "德语"),
    "el": ("Greek", "希腊语"),
    "en": ("English", "英语"),
    "es": ("Spanish", "西班牙语"),
    "et": ("Estonian", "爱沙尼亚语"),
    "eu": ("Basque", "巴斯克语"),
    "fa": ("Persian", "波斯语"),
    "fi": ("Finnish", "芬兰语"),
    "fr": ("French", "法语"),
    "he": ("Hebrew", "希伯来语"),
    "hi": ("Hindi", "印地语"),
    "hr": ("Croatian", "克罗地亚语"),
    "hu": ("Hungarian", "匈牙利语"),
    "id": ("Indonesian", "印度尼西亚语"),
    "is": ("Icelandic", "冰岛语"),
    "it": ("Italian", "意大利语"),
    "ja": ("Japanese", "日语"),
    "ko": ("Korean", "韩语"),
    "lt": ("Lithuanian", "立陶宛语"),
    "lv": ("Latvian", "拉脱维亚语"),
    "nl": ("Dutch", "荷兰语"),
    "no": ("Norwegian", "挪威语"),
    "pl": ("Polish", "波兰语"),
    "pt": ("Portuguese", "葡萄牙语"),
    "pt-BR": ("Brazilian Portuguese", "巴西葡萄牙语"),
    "ro": ("Romanian", "罗马尼亚语"),
    "ru": ("Russian", "俄语"),
    "sk": ("Slovak", "斯洛伐克语"),
    "sl": ("Slovenian", "斯洛文尼亚语"),
    "sr": ("Serbian", "塞尔维亚语"),
    "sv": ("Swedish", "瑞典语"),
    "th": ("Thai", "泰语"),
    "tr": ("Turkish", "土耳其语"),
    "uk": ("Ukrainian", "乌克兰语"),
    "vi": ("Vietnamese", "越南语"),
    "zh": ("Chinese", "中文"),
}


def is_known(code: str) -> bool:
    return code in LANGUAGES


# ParroT's instruction languages beyond English and Chinese name only its four languages.
NAMES_IN = {
    "de": {"de": "Deutsch", "en": "Englisch", "ja": "Japanisch", "zh": "Chinesisch"},
    "ja": {"de": "ドイツ語", "en": "英語", "ja": "日本語", "zh": "中国語"},
}


def language_name(code: str, in_lang: str = "en") -> str:
    """The name of language `code`, written in `in_lang` (English or Chinese for every language; German
    and Japanese for de, en, ja, zh)."""
    if in_lang in NAMES_IN:
        if code not in NAMES_IN[in_lang]:
            raise LookupError(
                f"no {in_lang} name for language {code!r} (instructions in {in_lang} name "
                f"{', '.join(NAMES_IN[in_lang])})"
            )
        return NAMES_IN[in_lang][code]
    english, chinese = LANGUAGES[code]
    return chinese if in_lang == "zh" else english


def bleu_tokenizer(target_lang: str) -> str:
    """sacreBLEU's tokenizer for a target language, as WMT reports it."""
    if target_lang == "zh":
        return "zh"
    if target_lang == "ja":
        return "ja-mecab"
    if target_lang == "ko":
        return "ko-mecab"
    return "13a"


# OASST's codes that OPUS-MT, M2M-100 and MADLAD-400 name differently (they know one Portuguese).
ISO_FIXES = {"pt-BR": "pt"}

# NLLB-200 (FLORES-200) codes of the languages lingtune knows.
NLLB_CODES = {
    "ar": "arb_Arab", "bg": "bul_Cyrl", "ca": "cat_Latn", "cs": "ces_Latn", "da": "dan_Latn",
    "de": "deu_Latn", "el": "ell_Grek", "en": "eng_Latn", "es": "spa_Latn", "et": "est_Latn",
    "eu": "eus_Latn", "fa": "pes_Arab", "fi": "fin_Latn", "fr": "fra_Latn", "he": "heb_Hebr",
    "hi": "hin_Deva", "hr": "hrv_Latn", "hu": "hun_Latn", "id": "ind_Latn", "is": "isl_Latn",
    "it": "ita_Latn", "ja": "jpn_Jpan", "ko": "kor_Hang", "lt": "lit_Latn", "lv": "lvs_Latn",
    "nl": "nld_Latn", "no": "nob_Latn", "pl": "pol_Latn", "pt": "por_Latn", "pt-BR": "por_Latn",
    "ro": "ron_Latn", "ru": "rus_Cyrl", "sk": "slk_Latn", "sl": "slv_Latn", "sr": "srp_Cyrl",
    "sv": "swe_Latn", "th": "tha_Thai", "tr": "tur_Latn", "uk": "ukr_Cyrl", "vi": "vie_Latn",
    "zh": "zho_Hans",
}  # fmt: skip


def m2m100_languages() -> list[str]:
    """The 100 languages of M2M-100, as its tokenizer in transformers lists them."""
    from transformers.models.m2m_100.tokenization_m2m_100 import FAIRSEQ_LANGUAGE_CODES

    return FAIRSEQ_LANGUAGE_CODES["m2m100"]


def mbart50_code(lang: str) -> str | None:
    """mBART-50's code of a language (`de_DE`, `zh_CN`, `pt_XX` for both Portuguese), from the 52 codes
    transformers' MBart50Tokenizer lists; None where mBART-50 has none."""
    from transformers.models.mbart50.tokenization_mbart50 import FAIRSEQ_LANGUAGE_CODES

    prefix = ISO_FIXES.get(lang, lang) + "_"
    return next((code for code in FAIRSEQ_LANGUAGE_CODES if code.startswith(prefix)), None)


# SeamlessM4T names languages by ISO 639-3 code, as NLLB does without the script, but for Chinese:
# Mandarin in simplified script is `cmn` (LLaMa2lang's `zho` is not among its codes).
SEAMLESS_FIXES = {"zh": "cmn", "no": "nob"}


def seamless_code(lang: str) -> str:
    """SeamlessM4T v2's code of a language; the model's generation config lists the ones it writes."""
    return SEAMLESS_FIXES.get(lang) or NLLB_CODES[lang].split("_")[0]


def engine_language_problem(engine: str, lang: str) -> str | None:
    """Why a translation engine cannot take `lang` (in or out), or None when it can. (SeamlessM4T's
    languages are its model's: the translator checks them when it loads it.)"""
    if engine in ("nllb", "seamless") and lang not in NLLB_CODES:
        return f"no NLLB-200 code known for language {lang!r}"
    if engine == "m2m100" and ISO_FIXES.get(lang, lang) not in m2m100_languages():
        return f"M2M-100 does not know language {lang!r} (its 100 languages: transformers' M2M100Tokenizer)"
    if engine == "mbart50" and mbart50_code(lang) is None:
        return f"mBART-50 does not know language {lang!r} (its 52 languages: transformers' MBart50Tokenizer)"
    return None
