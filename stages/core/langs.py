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


def language_name(code: str, in_lang: str = "en") -> str:
    """The name of language `code`, written in `in_lang` (English or Chinese)."""
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
