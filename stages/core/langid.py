"""Off-target translations: hypotheses that are not in the target language.

The identifier is py3langid (a fork of langid.py, Lui & Baldwin 2012): a naive Bayes model over byte
n-grams for 97 languages whose model ships inside the package, so nothing is downloaded at run time.

All 97 languages stay candidates. py3langid documents no accuracy gain from `set_languages`, and its own
README warns that text outside a restricted set is forced into it (Chinese comes out as English when only
de/en/fr are allowed), which is exactly the off-target output this measure exists to catch.

Very short sentences are unreliable: a single word or two ("Katze.", "Hund.") carries too few n-grams,
and the identifier falls back to its prior (English) or a near neighbour. Read the rate of a test set of
one- or two-word segments with care; per-segment labels are in reports/segments.jsonl.
"""

from functools import cache
from importlib.metadata import version

# Labels of the model that count as the target language, where more than the plain code does:
# Norwegian has three labels (macro, Bokmål, Nynorsk); region subtags (pt-BR) are not in the model.
_SAME_LANGUAGE = {"no": ("no", "nb", "nn"), "nb": ("no", "nb", "nn"), "nn": ("no", "nb", "nn")}


@cache
def _identifier():
    # A private instance, not py3langid's module-level one: nothing else can restrict its languages.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_pickled_model(MODEL_FILE)


def target_labels(tgt_lang: str) -> frozenset[str]:
    """The identifier's labels that count as `tgt_lang` (an ISO 639-1 code, optionally with a region)."""
    base = tgt_lang.split("-", 1)[0].lower()
    labels = frozenset(_SAME_LANGUAGE.get(base, (base,)))
    if not labels & set(_identifier().nb_classes):
        raise ValueError(f"language identification does not know {tgt_lang!r}")
    return labels


def identify(text: str) -> str | None:
    """The language of `text` (an ISO 639-1 label), or None for empty text."""
    text = text.strip()
    # Without any n-gram the model returns its prior, which would label an empty output "en".
    return _identifier().classify(text)[0] if text else None


def signature() -> str:
    """How the rate was measured, stored beside it as sacreBLEU's signatures are."""
    return f"py3langid:{version('py3langid')}|langs:all-{len(_identifier().nb_classes)}|empty:off-target"
