"""Generate lingtune's built-in sample data: deterministic, standard library only, no network.

Every sentence comes from the small parallel grammar defined here. One shared meaning (subject and
object noun phrases with optional adjectives, a transitive verb, singular/plural, present/past and
optional time/place adverbials) is realised in English, German, Spanish and Chinese, one translation
per word and construction, so that a tiny translator can learn it almost perfectly:

    en  Yesterday the hungry dog saw the small cat in the garden.
    de  Gestern sah der hungrige Hund die kleine Katze im Garten.
    es  Ayer el perro hambriento vio al gato pequeño en el jardín.
    zh  昨天饥饿的狗在花园里看见了小猫。

German uses definite articles only (weak adjective endings, nominative subject, accusative object,
verb-second after a fronted time adverbial); Spanish puts adjectives after the noun, agrees in
gender and number and marks animate objects with "a"; Chinese has no articles, marks the past with
了 and the plural only on people (们), so the en-zh sentences use plurals for people only.

Run from anywhere:  python data/sample/make_sample.py
Files are written next to this script (UTF-8, LF, trailing newline); a second run is byte-identical.
"""

from __future__ import annotations

import json
import random
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = 20240521
HERE = Path(__file__).resolve().parent
TRAIN_PAIRS = 1500  # lines per training file, dirty lines included
TEST_PAIRS = 40

# ---------------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Noun:
    en: str
    en_pl: str
    de_gender: str  # m | f | n
    de: str
    de_pl: str
    es_gender: str  # m | f
    es: str
    es_pl: str
    zh: str
    tags: tuple[str, ...]  # the first tag is the kind: person | animal | food | thing

    @property
    def kind(self) -> str:
        return self.tags[0]


@dataclass(frozen=True)
class Adjective:
    en: str
    de_stem: str  # + "e" / "en" (weak declension after the definite article)
    es_forms: tuple[str, str, str, str]  # masc sg, fem sg, masc pl, fem pl
    zh: str
    kinds: tuple[str, ...]  # noun kinds it may describe


@dataclass(frozen=True)
class Verb:
    en_base: str
    en_3sg: str
    en_past: str
    de_3sg: str
    de_3pl: str
    de_past_sg: str
    de_past_pl: str
    es_3sg: str
    es_3pl: str
    es_past_sg: str
    es_past_pl: str
    zh: str
    subj_kinds: tuple[str, ...]
    obj_tags: tuple[str, ...]
    personal_a: bool  # Spanish "a" before animate objects (not for buying and selling)


@dataclass(frozen=True)
class Adverbial:
    en: str
    de: str
    es: str
    zh: str
    tense: str | None  # forces "past" or "present"; None allows both


def _noun(spec: str, tags: str) -> Noun:
    """'dog dogs | m Hund Hunde | m perro perros | 狗' -> Noun."""
    en, de, es, zh = (part.split() for part in spec.split("|"))
    return Noun(en[0], en[1], de[0], de[1], de[2], es[0], es[1], es[2], zh[0], tuple(tags.split()))


def _adj(spec: str, kinds: str) -> Adjective:
    """'small | klein | pequeño | 小': Spanish -o adjectives inflect, others give 'sg pl'."""
    en, de_stem, es, zh = (part.strip() for part in spec.split("|"))
    words = es.split()
    if len(words) == 1:
        stem = words[0][:-1]
        forms = (words[0], stem + "a", words[0] + "s", stem + "as")
    else:
        forms = (words[0], words[0], words[1], words[1])
    return Adjective(en, de_stem, forms, zh, tuple(kinds.split()))


def _verb(spec: str, subj: str, obj: str, personal_a: bool = True) -> Verb:
    """'see sees saw | sieht sehen sah sahen | ve ven vio vieron | 看见' -> Verb."""
    en, de, es, zh = (part.split() for part in spec.split("|"))
    return Verb(*en, *de, *es, zh[0], tuple(subj.split()), tuple(obj.split()), personal_a)


NOUNS: tuple[Noun, ...] = (
    _noun("teacher teachers | m Lehrer Lehrer | m profesor profesores | 老师", "person"),
    _noun("doctor doctors | m Arzt Ärzte | m médico médicos | 医生", "person"),
    _noun("woman women | f Frau Frauen | f mujer mujeres | 女人", "person"),
    _noun("man men | m Mann Männer | m hombre hombres | 男人", "person"),
    _noun("child children | n Kind Kinder | m niño niños | 孩子", "person feedable washable"),
    _noun("girl girls | n Mädchen Mädchen | f niña niñas | 女孩", "person"),
    _noun("student students | m Schüler Schüler | m alumno alumnos | 学生", "person"),
    _noun("cook cooks | m Koch Köche | m cocinero cocineros | 厨师", "person"),
    _noun("dog dogs | m Hund Hunde | m perro perros | 狗", "animal washable"),
    _noun("cat cats | f Katze Katzen | m gato gatos | 猫", "animal catchable washable"),
    _noun("horse horses | n Pferd Pferde | m caballo caballos | 马", "animal washable"),
    _noun("bird birds | m Vogel Vögel | m pájaro pájaros | 鸟", "animal catchable"),
    _noun("cow cows | f Kuh Kühe | f vaca vacas | 奶牛", "animal washable"),
    _noun("mouse mice | f Maus Mäuse | m ratón ratones | 老鼠", "animal catchable"),
    _noun("rabbit rabbits | n Kaninchen Kaninchen | m conejo conejos | 兔子", "animal catchable"),
    _noun("duck ducks | f Ente Enten | m pato patos | 鸭子", "animal catchable"),
    _noun("apple apples | m Apfel Äpfel | f manzana manzanas | 苹果", "food small throwable washable"),
    _noun("cake cakes | m Kuchen Kuchen | m pastel pasteles | 蛋糕", "food"),
    _noun("soup soups | f Suppe Suppen | f sopa sopas | 汤", "food cookable"),
    _noun("banana bananas | f Banane Bananen | m plátano plátanos | 香蕉", "food small throwable"),
    _noun("egg eggs | n Ei Eier | m huevo huevos | 鸡蛋", "food small cookable throwable"),
    _noun("tomato tomatoes | f Tomate Tomaten | m tomate tomates | 西红柿", "food small throwable washable"),
    _noun(
        "potato potatoes | f Kartoffel Kartoffeln | f patata patatas | 土豆", "food small cookable washable"
    ),
    _noun("book books | n Buch Bücher | m libro libros | 书", "thing small writable openable"),
    _noun("letter letters | m Brief Briefe | f carta cartas | 信", "thing small writable openable"),
    _noun("car cars | n Auto Autos | m coche coches | 汽车", "thing washable cleanable"),
    _noun("table tables | m Tisch Tische | f mesa mesas | 桌子", "thing washable cleanable"),
    _noun("chair chairs | m Stuhl Stühle | f silla sillas | 椅子", "thing cleanable"),
    _noun("door doors | f Tür Türen | f puerta puertas | 门", "thing openable closable cleanable"),
    _noun(
        "window windows | n Fenster Fenster | f ventana ventanas | 窗户", "thing openable closable cleanable"
    ),
    _noun("newspaper newspapers | f Zeitung Zeitungen | m periódico periódicos | 报纸", "thing small"),
    _noun("key keys | m Schlüssel Schlüssel | f llave llaves | 钥匙", "thing small throwable"),
    _noun("flower flowers | f Blume Blumen | f flor flores | 花", "thing small smellable"),
    _noun("ball balls | m Ball Bälle | f pelota pelotas | 球", "thing small throwable catchable"),
)

ADJECTIVES: tuple[Adjective, ...] = (
    _adj("big | groß | grande grandes | 大", "animal thing"),
    _adj("small | klein | pequeño | 小", "animal thing"),
    _adj("old | alt | viejo | 旧", "thing"),
    _adj("new | neu | nuevo | 新", "thing"),
    _adj("red | rot | rojo | 红色的", "food thing"),
    _adj("white | weiß | blanco | 白色的", "animal thing"),
    _adj("black | schwarz | negro | 黑色的", "animal thing"),
    _adj("young | jung | joven jóvenes | 年轻的", "person"),
    _adj("happy | glücklich | feliz felices | 快乐的", "person animal"),
    _adj("clever | klug | inteligente inteligentes | 聪明的", "person animal"),
    _adj("hungry | hungrig | hambriento | 饥饿的", "person animal"),
    _adj("tired | müd | cansado | 疲惫的", "person animal"),
    _adj("beautiful | schön | hermoso | 漂亮的", "animal thing"),
    _adj("fresh | frisch | fresco | 新鲜的", "food"),
    _adj("sweet | süß | dulce dulces | 甜的", "food"),
    _adj("friendly | freundlich | amable amables | 友好的", "person animal"),
    _adj("expensive | teur | caro | 昂贵的", "thing"),
    _adj("cheap | billig | barato | 便宜的", "food thing"),
)

_ANY = "person animal food thing"
VERBS: tuple[Verb, ...] = (
    _verb("see sees saw | sieht sehen sah sahen | ve ven vio vieron | 看见", "person animal", _ANY),
    _verb(
        "find finds found | findet finden fand fanden | encuentra encuentran encontró encontraron | 找到",
        "person animal",
        _ANY,
    ),
    _verb("eat eats ate | isst essen aß aßen | come comen comió comieron | 吃", "person", "food"),
    _verb(
        "buy buys bought | kauft kaufen kaufte kauften | compra compran compró compraron | 买",
        "person",
        "animal food thing",
        personal_a=False,
    ),
    _verb(
        "sell sells sold | verkauft verkaufen verkaufte verkauften | vende venden vendió vendieron | 卖",
        "person",
        "animal food thing",
        personal_a=False,
    ),
    _verb(
        "write writes wrote | schreibt schreiben schrieb schrieben"
        " | escribe escriben escribió escribieron | 写",
        "person",
        "writable",
    ),
    _verb(
        "open opens opened | öffnet öffnen öffnete öffneten | abre abren abrió abrieron | 打开",
        "person",
        "openable",
    ),
    _verb(
        "close closes closed | schließt schließen schloss schlossen | cierra cierran cerró cerraron | 关上",
        "person",
        "closable",
    ),
    _verb(
        "wash washes washed | wäscht waschen wusch wuschen | lava lavan lavó lavaron | 洗",
        "person",
        "washable",
    ),
    _verb(
        "call calls called | ruft rufen rief riefen | llama llaman llamó llamaron | 叫",
        "person",
        "person animal",
    ),
    _verb(
        "visit visits visited | besucht besuchen besuchte besuchten | visita visitan visitó visitaron | 拜访",
        "person",
        "person",
    ),
    _verb(
        "draw draws drew | zeichnet zeichnen zeichnete zeichneten | dibuja dibujan dibujó dibujaron | 画",
        "person",
        _ANY,
    ),
    _verb(
        "cook cooks cooked | kocht kochen kochte kochten | cocina cocinan cocinó cocinaron | 煮",
        "person",
        "cookable",
    ),
    _verb(
        "hear hears heard | hört hören hörte hörten | oye oyen oyó oyeron | 听到",
        "person animal",
        "person animal",
    ),
    _verb(
        "feed feeds fed | füttert füttern fütterte fütterten | alimenta alimentan alimentó alimentaron | 喂",
        "person",
        "animal feedable",
    ),
    _verb(
        "catch catches caught | fängt fangen fing fingen | atrapa atrapan atrapó atraparon | 抓住",
        "person animal",
        "catchable",
    ),
    _verb(
        "throw throws threw | wirft werfen warf warfen | lanza lanzan lanzó lanzaron | 扔",
        "person",
        "throwable",
    ),
    _verb(
        "bring brings brought | bringt bringen brachte brachten | trae traen trajo trajeron | 带来",
        "person",
        "food small",
    ),
    _verb(
        "clean cleans cleaned | putzt putzen putzte putzten | limpia limpian limpió limpiaron | 擦",
        "person",
        "cleanable",
    ),
    _verb(
        "smell smells smelled | riecht riechen roch rochen | huele huelen olió olieron | 闻",
        "person animal",
        "food smellable",
    ),
    _verb(
        "chase chases chased | jagt jagen jagte jagten | persigue persiguen persiguió persiguieron | 追",
        "person animal",
        "person animal",
    ),
    _verb(
        "bite bites bit | beißt beißen biss bissen | muerde muerden mordió mordieron | 咬",
        "animal",
        "person animal food",
    ),
    _verb(
        "kiss kisses kissed | küsst küssen küsste küssten | besa besan besó besaron | 亲",
        "person",
        "person animal",
    ),
    _verb(
        "hide hides hid | versteckt verstecken versteckte versteckten"
        " | esconde esconden escondió escondieron | 藏",
        "person animal",
        "small",
    ),
)

TIMES: tuple[Adverbial, ...] = (
    Adverbial("yesterday", "gestern", "ayer", "昨天", "past"),
    Adverbial("every day", "jeden Tag", "cada día", "每天", "present"),
    Adverbial("today", "heute", "hoy", "今天", None),
    Adverbial("in the morning", "am Morgen", "por la mañana", "早上", None),
)
PLACES: tuple[Adverbial, ...] = (
    Adverbial("in the garden", "im Garten", "en el jardín", "在花园里", None),
    Adverbial("in the kitchen", "in der Küche", "en la cocina", "在厨房里", None),
    Adverbial("in the park", "im Park", "en el parque", "在公园里", None),
    Adverbial("at school", "in der Schule", "en la escuela", "在学校", None),
)

# ---------------------------------------------------------------------------------------------------
# Meanings and their realisation in each language
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NP:
    noun: Noun
    plural: bool = False
    adj: Adjective | None = None


@dataclass(frozen=True)
class Meaning:
    subj: NP
    verb: Verb
    obj: NP
    past: bool = False
    time: Adverbial | None = None
    place: Adverbial | None = None


def capitalise(words: list[str]) -> list[str]:
    return [words[0][:1].upper() + words[0][1:], *words[1:]]


def np_en(np: NP) -> list[str]:
    adj = [np.adj.en] if np.adj else []
    return ["the", *adj, np.noun.en_pl if np.plural else np.noun.en]


def verb_en(m: Meaning) -> str:
    if m.past:
        return m.verb.en_past
    return m.verb.en_base if m.subj.plural else m.verb.en_3sg


def words_en(m: Meaning) -> list[str]:
    time = m.time.en.split() if m.time else []
    place = m.place.en.split() if m.place else []
    return capitalise([*time, *np_en(m.subj), verb_en(m), *np_en(m.obj), *place])


def to_en(m: Meaning) -> str:
    return " ".join(words_en(m)) + "."


DE_ARTICLES = {
    ("nom", "m"): "der",
    ("nom", "f"): "die",
    ("nom", "n"): "das",
    ("acc", "m"): "den",
    ("acc", "f"): "die",
    ("acc", "n"): "das",
}


def np_de(np: NP, case: str, role: str) -> list[tuple[str, str]]:
    """Definite article + weak adjective + noun, each word tagged with its role (for MQM errors)."""
    if np.plural:
        article, ending = "die", "en"
    else:
        article = DE_ARTICLES[(case, np.noun.de_gender)]
        ending = "en" if (case, np.noun.de_gender) == ("acc", "m") else "e"
    words = [(article, f"{role}_art")]
    if np.adj:
        words.append((np.adj.de_stem + ending, f"{role}_adj"))
    words.append((np.noun.de_pl if np.plural else np.noun.de, f"{role}_noun"))
    return words


def verb_de(m: Meaning) -> str:
    v = m.verb
    if m.past:
        return v.de_past_pl if m.subj.plural else v.de_past_sg
    return v.de_3pl if m.subj.plural else v.de_3sg


def tagged_de(m: Meaning) -> list[tuple[str, str]]:
    """German words with roles; a fronted time adverbial puts the verb second (V2)."""
    subj, obj = np_de(m.subj, "nom", "subj"), np_de(m.obj, "acc", "obj")
    verb = [(verb_de(m), "verb")]
    place = [(w, "place") for w in m.place.de.split()] if m.place else []
    if m.time:
        words = [(w, "time") for w in m.time.de.split()] + verb + subj + obj + place
    else:
        words = subj + verb + obj + place
    first, role = words[0]
    return [(first[:1].upper() + first[1:], role), *words[1:]]


def words_de(m: Meaning) -> list[str]:
    return [w for w, _ in tagged_de(m)]


def to_de(m: Meaning) -> str:
    return " ".join(words_de(m)) + "."


ES_ARTICLES = {("m", False): "el", ("f", False): "la", ("m", True): "los", ("f", True): "las"}


def np_es(np: NP) -> list[str]:
    gender = np.noun.es_gender
    words = [ES_ARTICLES[(gender, np.plural)], np.noun.es_pl if np.plural else np.noun.es]
    if np.adj:
        words.append(np.adj.es_forms[(2 if np.plural else 0) + (1 if gender == "f" else 0)])
    return words


def words_es(m: Meaning) -> list[str]:
    v = m.verb
    if m.past:
        verb = v.es_past_pl if m.subj.plural else v.es_past_sg
    else:
        verb = v.es_3pl if m.subj.plural else v.es_3sg
    obj = np_es(m.obj)
    if v.personal_a and m.obj.noun.kind in ("person", "animal"):
        obj = ["al", *obj[1:]] if obj[0] == "el" else ["a", *obj]
    time = m.time.es.split() if m.time else []
    place = m.place.es.split() if m.place else []
    return capitalise([*time, *np_es(m.subj), verb, *obj, *place])


def to_es(m: Meaning) -> str:
    return " ".join(words_es(m)) + "."


def np_zh(np: NP) -> str:
    if np.plural and np.noun.kind != "person":
        raise ValueError(f"Chinese marks the plural of people only: {np.noun.en_pl}")
    adj = np.adj.zh if np.adj else ""
    return adj + np.noun.zh + ("们" if np.plural else "")


def to_zh(m: Meaning) -> str:
    """[time] subject [在 place] verb[了] object。"""
    time = m.time.zh if m.time else ""
    place = m.place.zh if m.place else ""
    return f"{time}{np_zh(m.subj)}{place}{m.verb.zh}{'了' if m.past else ''}{np_zh(m.obj)}。"


REALISE: dict[str, Callable[[Meaning], str]] = {"en": to_en, "de": to_de, "es": to_es, "zh": to_zh}

# ---------------------------------------------------------------------------------------------------
# Sampling meanings
# ---------------------------------------------------------------------------------------------------


def sample_np(rng: random.Random, noun: Noun, plural_ok: bool) -> NP:
    plural = plural_ok and rng.random() < 0.3
    adjs = [a for a in ADJECTIVES if noun.kind in a.kinds]
    adj = rng.choice(adjs) if rng.random() < 0.45 else None
    return NP(noun, plural, adj)


def sample_meaning(rng: random.Random, zh_safe: bool = False, subject: Noun | None = None) -> Meaning:
    """A random meaning; zh_safe: plurals of people only; subject: fix the subject noun."""
    verbs = [v for v in VERBS if subject is None or subject.kind in v.subj_kinds]
    verb = rng.choice(verbs)
    subj = subject or rng.choice([n for n in NOUNS if n.kind in verb.subj_kinds])
    objs = [n for n in NOUNS if n is not subj and any(t in verb.obj_tags for t in n.tags)]
    obj = rng.choice(objs)
    subj_np = sample_np(rng, subj, not zh_safe or subj.kind == "person")
    obj_np = sample_np(rng, obj, not zh_safe or obj.kind == "person")
    time = rng.choice(TIMES) if rng.random() < 0.3 else None
    place = rng.choice(PLACES) if rng.random() < 0.3 else None
    past = time.tense == "past" if time and time.tense else rng.random() < 0.5
    return Meaning(subj_np, verb, obj_np, past, time, place)


def unique_meanings(
    rng: random.Random,
    n: int,
    taken: set[str],
    zh_safe: bool = False,
    want: Callable[[Meaning], bool] | None = None,
) -> list[Meaning]:
    """n meanings whose English sentences are new to `taken` (which is updated)."""
    found: list[Meaning] = []
    while len(found) < n:
        m = sample_meaning(rng, zh_safe)
        key = to_en(m)
        if key in taken or (want and not want(m)):
            continue
        taken.add(key)
        found.append(m)
    return found


# ---------------------------------------------------------------------------------------------------
# Parallel training and test files
# ---------------------------------------------------------------------------------------------------


@dataclass(eq=False)  # identity equality: duplicates are distinct lines
class Pair:
    src: str
    tgt: str
    note: str = ""  # empty for clean lines, else what was injected
    original: Pair | None = field(default=None, repr=False)
    meaning: Meaning | None = field(default=None, repr=False)  # clean lines: what they say


def make_test_pairs(rng: random.Random, tgt_lang: str, taken: set[str]) -> list[Pair]:
    meanings = unique_meanings(rng, TEST_PAIRS, taken, zh_safe=tgt_lang == "zh")
    return [Pair(to_en(m), REALISE[tgt_lang](m)) for m in meanings]


def has_umlaut(m: Meaning) -> bool:
    return any(c in "äöüÄÖÜ" for c in to_de(m))


def spaced(text: str) -> str:
    """Double every inner space."""
    return text.replace(" ", "  ")


def make_train_pairs(
    rng: random.Random, tgt_lang: str, taken: set[str], test: list[Pair] | None
) -> list[Pair]:
    """TRAIN_PAIRS line pairs; with a test set given, dirty lines are mixed in at random positions."""
    realise = REALISE[tgt_lang]
    zh_safe = tgt_lang == "zh"
    dirty: list[Pair] = []
    if test is not None:
        for m in unique_meanings(rng, 2, taken, zh_safe):
            dirty.append(Pair(to_en(m), "", "empty target"))
        ws = [(to_en(m), realise(m)) for m in unique_meanings(rng, 3, taken, zh_safe)]
        dirty.append(Pair(f"  {ws[0][0]}  ", ws[0][1], "whitespace: outer spaces on the source"))
        dirty.append(
            Pair(spaced(ws[1][0]), ws[1][1] + "   ", "whitespace: doubled inner source, trailing target")
        )
        dirty.append(Pair(" " + spaced(ws[2][0]), "  " + spaced(ws[2][1]), "whitespace: both sides"))
        if tgt_lang == "de":
            for m in unique_meanings(rng, 3, taken, want=has_umlaut):
                dirty.append(Pair(to_en(m), unicodedata.normalize("NFD", to_de(m)), "German in NFD"))
        for pair in rng.sample(test, 3):
            dirty.append(Pair(pair.src, pair.tgt, "copied from the test set"))
        (m,) = unique_meanings(rng, 1, taken, zh_safe)
        sep = "" if tgt_lang == "zh" else " "
        dirty.append(Pair(to_en(m), sep.join([realise(m)] * 5), "target repeated 5x"))
    n_clean = TRAIN_PAIRS - len(dirty) - (5 if test is not None else 0)
    lines = [Pair(to_en(m), realise(m), meaning=m) for m in unique_meanings(rng, n_clean, taken, zh_safe)]
    originals = rng.sample(lines, 5) if test is not None else []
    for pair in dirty:
        lines.insert(rng.randint(0, len(lines)), pair)
    for original in originals:  # each duplicate comes after its original
        after = next(i for i, pair in enumerate(lines) if pair is original) + 1
        lines.insert(
            rng.randint(after, len(lines)), Pair(original.src, original.tgt, "exact duplicate", original)
        )
    assert len(lines) == TRAIN_PAIRS
    return lines


def dirty_report(lines: list[Pair]) -> list[str]:
    """'line N: note' for every injected line (1-based line numbers)."""
    index = {id(pair): number for number, pair in enumerate(lines, start=1)}
    report = []
    for number, pair in enumerate(lines, start=1):
        if pair.note:
            extra = f" of line {index[id(pair.original)]}" if pair.original else ""
            report.append(f"line {number}: {pair.note}{extra}")
    return report


# ---------------------------------------------------------------------------------------------------
# OpenAssistant OASST1 messages
# ---------------------------------------------------------------------------------------------------

OASST_TEXT = {
    "en": {
        "prompts": (
            "Please explain this sentence: {s}",
            "Can you continue this little story? {s}",
            "What happens in this sentence? {s}",
        ),
        "intros": ("", "Of course. ", "Here is my answer. "),
        "followups": ("Thank you. And what happened next?", "Please give me one more sentence."),
    },
    "de": {
        "prompts": (
            "Bitte erkläre diesen Satz: {s}",
            "Kannst du diese kleine Geschichte fortsetzen? {s}",
            "Was passiert in diesem Satz? {s}",
        ),
        "intros": ("", "Natürlich. ", "Hier ist meine Antwort. "),
        "followups": ("Danke. Und was ist dann passiert?", "Bitte gib mir noch einen Satz."),
    },
    "es": {
        "prompts": (
            "Por favor, explica esta frase: {s}",
            "¿Puedes continuar esta pequeña historia? {s}",
            "¿Qué pasa en esta frase? {s}",
        ),
        "intros": ("", "Claro. ", "Aquí está mi respuesta. "),
        "followups": ("Gracias. ¿Y qué pasó después?", "Por favor, dame una frase más."),
    },
}
DETOXIFY_KEYS = (
    "toxicity",
    "severe_toxicity",
    "obscene",
    "identity_attack",
    "insult",
    "threat",
    "sexual_explicit",
)
PROMPTER_LABELS = (
    "spam",
    "lang_mismatch",
    "pii",
    "not_appropriate",
    "hate_speech",
    "sexual_content",
    "quality",
    "toxicity",
    "humor",
    "creativity",
    "violence",
)
ASSISTANT_LABELS = (
    "spam",
    "fails_task",
    "lang_mismatch",
    "pii",
    "not_appropriate",
    "hate_speech",
    "sexual_content",
    "quality",
    "toxicity",
    "humor",
    "helpfulness",
    "creativity",
    "violence",
)
GRADED_LABELS = {
    "quality": (0.4, 1.0),
    "helpfulness": (0.4, 1.0),
    "creativity": (0.0, 0.8),
    "humor": (0.0, 0.5),
    "toxicity": (0.0, 0.2),
    "fails_task": (0.0, 0.3),
}


def make_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def detoxify(rng: random.Random, lang: str) -> dict[str, float] | None:
    """Detoxify scores exist for English messages only (as in OASST1)."""
    if lang != "en":
        return None
    return {key: round(rng.uniform(0.00005, 0.002), 6) for key in DETOXIFY_KEYS}


def emojis(rng: random.Random, role: str) -> dict[str, list] | None:
    names = ("+1", "_skip_reply", "_skip_ranking") if role == "prompter" else ("+1", "-1", "_skip_labeling")
    chosen = [name for name in names if rng.random() < 0.5]
    if not chosen:
        return None
    return {"name": chosen, "count": [rng.randint(1, 6) for _ in chosen]}


def labels(rng: random.Random, role: str) -> dict[str, list] | None:
    if rng.random() < 0.15:
        return None
    names = PROMPTER_LABELS if role == "prompter" else ASSISTANT_LABELS
    values = []
    for name in names:
        low, high = GRADED_LABELS.get(name, (0.0, 0.0))
        values.append(round(rng.uniform(low, high), 4) if high else 0.0)
    count = rng.randint(3, 5)
    return {"name": list(names), "value": values, "count": [count] * len(names)}


class Clock:
    """Strictly increasing creation times."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def tick(self, rng: random.Random) -> str:
        self.now += timedelta(seconds=rng.randint(60, 5400), microseconds=rng.randint(1, 999_999))
        return self.now.isoformat(timespec="microseconds")


@dataclass
class Tree:
    rng: random.Random
    users: list[str]
    lang: str
    state: str
    clock: Clock
    messages: list[dict] = field(default_factory=list)
    root_id: str = ""

    def add(
        self, parent_id: str | None, role: str, text: str, rank: int | None, deleted: bool = False
    ) -> str:
        rng = self.rng
        message_id = make_uuid(rng)
        self.root_id = self.root_id or message_id
        self.messages.append(
            {
                "message_id": message_id,
                "parent_id": parent_id,
                "user_id": rng.choice(self.users),
                "created_date": self.clock.tick(rng),
                "text": text,
                "role": role,
                "lang": self.lang,
                "review_count": rng.randint(3, 5),
                "review_result": not deleted,
                "deleted": deleted,
                "rank": rank,
                "synthetic": False,
                "model_name": None,
                "detoxify": detoxify(rng, self.lang),
                "message_tree_id": self.root_id,
                "tree_state": self.state,
                "emojis": emojis(rng, role),
                "labels": labels(rng, role),
            }
        )
        return message_id

    def answer(self, subject: Noun) -> str:
        rng = self.rng
        sentences = [
            REALISE[self.lang](sample_meaning(rng, subject=subject)) for _ in range(rng.randint(1, 3))
        ]
        return rng.choice(OASST_TEXT[self.lang]["intros"]) + " ".join(sentences)

    def replies(self, parent_id: str, subject: Noun, ranks: list[int | None]) -> list[str]:
        return [self.add(parent_id, "assistant", self.answer(subject), rank) for rank in ranks]

    def follow_up(self, parent_id: str, subject: Noun, n_answers: int) -> str:
        text = self.rng.choice(OASST_TEXT[self.lang]["followups"])
        prompt_id = self.add(parent_id, "prompter", text, None)
        self.replies(prompt_id, subject, list(range(n_answers)))
        return prompt_id


def oasst_tree(
    rng: random.Random, users: list[str], lang: str, start: datetime, state: str, special: str = ""
) -> Tree:
    """Root prompt, 2-3 ranked replies, a follow-up under the best one (and sometimes another).

    special: "null_rank" (one reply unranked), "deleted" (a deleted reply with a subtree under it).
    """
    tree = Tree(rng, users, lang, state, Clock(start))
    topic = sample_meaning(rng)
    prompt = rng.choice(OASST_TEXT[lang]["prompts"]).format(s=REALISE[lang](topic))
    root = tree.add(None, "prompter", prompt, None)
    subject = topic.subj.noun
    n = 3 if special else rng.choice([2, 3])
    ranks: list[int | None] = list(range(n - 1 if special == "null_rank" else n))
    rng.shuffle(ranks)
    if special == "null_rank":
        ranks.append(None)  # a reply that was never ranked
    reply_ids = []
    for rank in ranks:
        deleted = special == "deleted" and rank == n - 1
        reply_id = tree.add(root, "assistant", tree.answer(subject), rank, deleted)
        reply_ids.append(reply_id)
        if deleted:
            tree.follow_up(reply_id, subject, 1)
    tree.follow_up(reply_ids[ranks.index(0)], subject, rng.choice([1, 2]))
    if rng.random() < 0.5:
        second = next(r for r, rank in zip(reply_ids, ranks, strict=True) if rank == 1)
        tree.follow_up(second, subject, 1)
    return tree


def oasst_messages(rng: random.Random) -> tuple[list[dict], list[str]]:
    """8 trees (4 en, 2 de, 2 es) with the special cases; messages in shuffled order; notes."""
    users = [make_uuid(rng) for _ in range(12)]
    plan = [
        ("en", "ready_for_export", ""),
        ("en", "ready_for_export", "null_rank"),
        ("en", "ready_for_export", "deleted"),
        ("en", "ready_for_export", ""),
        ("de", "ready_for_export", ""),
        ("de", "backlog_ranking", ""),
        ("es", "ready_for_export", ""),
        ("es", "ready_for_export", ""),
    ]
    messages: list[dict] = []
    notes: list[str] = []
    for i, (lang, state, special) in enumerate(plan):
        start = datetime(2023, 2, 5, 9, 0, tzinfo=timezone.utc) + timedelta(days=3 * i)
        tree = oasst_tree(rng, users, lang, start, state, special)
        if i == 3:  # an orphan subtree: its parent is not in the file
            missing_parent = make_uuid(rng)
            orphan = tree.follow_up(missing_parent, tree_subject(tree), 1)
            notes.append(f"orphan prompter {orphan} (parent {missing_parent} missing), tree {tree.root_id}")
        if special or state != "ready_for_export":
            notes.append(f"tree {tree.root_id} ({lang}): {special or state}")
        messages += tree.messages
    rng.shuffle(messages)
    return messages, notes


def tree_subject(tree: Tree) -> Noun:
    """A subject noun for extra messages: any noun that can be a subject."""
    return tree.rng.choice([n for n in NOUNS if n.kind in ("person", "animal")])


# ---------------------------------------------------------------------------------------------------
# MQM annotations (en-de)
# ---------------------------------------------------------------------------------------------------

MQM_SYSTEMS = ("sysA", "sysB", "Human-A.0")
MQM_RATERS = ("rater1", "rater2")
MQM_HEADER = ("system", "doc", "doc_id", "seg_id", "rater", "source", "target", "category", "severity")
# Which errors each system makes in a segment: (error kinds, weight).
MQM_PROFILES: dict[str, list[tuple[tuple[str, ...], int]]] = {
    "Human-A.0": [((), 17), (("punct",), 2), (("grammar",), 1)],
    "sysA": [
        ((), 6),
        (("grammar",), 5),
        (("punct",), 4),
        (("grammar", "punct"), 3),
        (("grammar", "grammar"), 2),
    ],
    "sysB": [
        ((), 3),
        (("noun",), 5),
        (("untranslated",), 4),
        (("noun", "grammar"), 3),
        (("noun", "punct"), 2),
        (("untranslated", "grammar"), 2),
        (("grammar",), 1),
    ],
}
MQM_LABELS = {
    "noun": ("Accuracy/Mistranslation", "Major"),
    "untranslated": ("Non-translation!", "Major"),
    "grammar": ("Fluency/Grammar", "Minor"),
    "punct": ("Fluency/Punctuation", "Minor"),
    "neutral": ("Style/Awkward", "Neutral"),
}


@dataclass(frozen=True)
class MqmError:
    index: int | None  # word index of the span; None: an empty span at the end
    kind: str


@dataclass
class SystemOutput:
    words: list[str]
    period: bool
    errors: list[MqmError]

    def target(self, span: int | None = None, at_end: bool = False) -> str:
        words = [f"<v>{w}</v>" if i == span else w for i, w in enumerate(self.words)]
        return " ".join(words) + ("." if self.period else "") + ("<v></v>" if at_end else "")


def corrupt(rng: random.Random, m: Meaning, kinds: tuple[str, ...]) -> SystemOutput:
    """The correct German with the given errors introduced, each on its own word."""
    tagged = tagged_de(m)
    out = SystemOutput([w for w, _ in tagged], True, [])
    used: set[int] = set()

    def free(suffixes: tuple[str, ...]) -> list[int]:
        return [i for i, (_, role) in enumerate(tagged) if role.endswith(suffixes) and i not in used]

    for kind in kinds:
        if kind == "punct":
            out.period = False
            out.errors.append(MqmError(None, kind))
            continue
        i = rng.choice(free(("_noun",) if kind in ("noun", "untranslated") else ("_art", "_adj")))
        used.add(i)
        np = m.subj if tagged[i][1].startswith("subj") else m.obj
        word = out.words[i]
        if kind == "noun":
            in_sentence = (m.subj.noun, m.obj.noun)
            others = [n for n in NOUNS if n.de_gender == np.noun.de_gender and n not in in_sentence]
            other = rng.choice(others)
            out.words[i] = other.de_pl if np.plural else other.de
        elif kind == "untranslated":
            out.words[i] = np.noun.en_pl if np.plural else np.noun.en
        elif tagged[i][1].endswith("_art"):
            wrong = rng.choice([a for a in ("der", "die", "das", "den") if a != word.lower()])
            out.words[i] = wrong.capitalize() if word[0].isupper() else wrong
        else:
            out.words[i] = word[:-1] if word.endswith("en") else word + "n"
        out.errors.append(MqmError(i, kind))
    return out


def rating_rows(rng: random.Random, out: SystemOutput, rater: str) -> list[tuple[str, str, str]]:
    """(target, category, severity) rows of one rater for one output."""
    found = [
        e
        for e in out.errors
        if not (rater == "rater2" and e.kind in ("grammar", "punct") and rng.random() < 0.25)
    ]
    if rng.random() < (0.12 if rater == "rater2" else 0.05):
        spans = {e.index for e in out.errors}
        candidates = [i for i in range(len(out.words)) if i not in spans]
        found.append(MqmError(rng.choice(candidates), "neutral"))
    if not found:
        return [(out.target(), "no-error", "no-error")]
    return [(out.target(e.index, e.index is None), *MQM_LABELS[e.kind]) for e in found]


def mqm_rows(rng: random.Random, taken: set[str]) -> list[list[str]]:
    segments = unique_meanings(rng, 20, taken)
    rows = [list(MQM_HEADER)]
    for seg_id, m in enumerate(segments, start=1):
        doc_id = (seg_id - 1) // 5 + 1
        for system in MQM_SYSTEMS:
            profiles, weights = zip(*MQM_PROFILES[system], strict=True)
            out = corrupt(rng, m, rng.choices(profiles, weights)[0])
            for rater in MQM_RATERS:
                for target, category, severity in rating_rows(rng, out, rater):
                    rows.append(
                        [
                            system,
                            f"doc{doc_id}",
                            str(doc_id),
                            str(seg_id),
                            rater,
                            to_en(m),
                            target,
                            category,
                            severity,
                        ]
                    )
    return rows


# ---------------------------------------------------------------------------------------------------
# MQM annotations for the hints (en-de and en-zh): what teaches the embedded model what a hint asks for.
# As ParroT's WMT20 annotations cover sentences of its newstest training data, the segments are sentences
# of the training pairs; per segment a human translation without errors and, for some, a system whose one
# error is minor (the final full stop missing) or one whose one error is major (the object left in English),
# the two rated by two different raters, who find exactly the error there is. Own generator: the files above
# stay as they were.
# ---------------------------------------------------------------------------------------------------

HINT_SEED = SEED + 2
# Every clean training pair is a segment with the human translation rated error-free: the model learns each
# hinted prompt from as many different sentences as the plain one (with 500 it copied the wrong source
# words under the no-error hint, about 2.5 BLEU below no hint on 300 held-out sentences).
HINT_MINOR = 150  # the first this many segments also have sysC's minor error
HINT_MAJOR = 700  # the next this many sysD's major one (each a preference pair); the rest no second system
HINT_RATERS = ("rater3", "rater4", "rater5")  # each system of a segment has its own


def hint_targets(m: Meaning, lang: str) -> dict[str, tuple[str, str, str]]:
    """System -> (target with its error span marked, category, severity) for one training meaning."""
    english_object = " ".join(np_en(m.obj))
    if lang == "zh":
        right = to_zh(m)
        time, place = (m.time.zh if m.time else ""), (m.place.zh if m.place else "")
        before = f"{time}{np_zh(m.subj)}{place}{m.verb.zh}{'了' if m.past else ''}"
        major = f"{before}<v>{english_object}</v>。"
    else:
        right = to_de(m)
        words = tagged_de(m)
        first = next(i for i, (_, role) in enumerate(words) if role.startswith("obj"))
        last = max(i for i, (_, role) in enumerate(words) if role.startswith("obj"))
        kept = [w for w, _ in words]
        major = " ".join([*kept[:first], f"<v>{english_object}</v>", *kept[last + 1 :]]) + "."
    return {
        "Human-B.0": (right, "no-error", "no-error"),
        "sysC": (right[:-1] + "<v></v>", "Fluency/Punctuation", "Minor"),
        "sysD": (major, "Accuracy/Untranslated text", "Major"),
    }


def hint_mqm_rows(rng: random.Random, pairs: list[Pair], lang: str) -> list[list[str]]:
    """A segment for every clean training pair, in a seeded order, each with the human translation; the
    first HINT_MINOR also with sysC's minor error, the next HINT_MAJOR with sysD's major one (so that every
    preference pair prefers the human translation: sysC's −0.1 is not a point below it); each system rated
    by one of the raters, the two of a segment by different ones."""
    clean = [p.meaning for p in pairs if p.meaning is not None and not p.note]
    meanings = rng.sample(clean, len(clean))
    rows = [list(MQM_HEADER)]
    for seg_id, m in enumerate(meanings, start=1):
        doc_id = (seg_id - 1) // 10 + 1
        raters = rng.sample(HINT_RATERS, len(HINT_RATERS))
        human, minor, major = hint_targets(m, lang).items()
        systems = [human]
        if seg_id <= HINT_MINOR + HINT_MAJOR:
            systems.append(minor if seg_id <= HINT_MINOR else major)
        for rater, (system, rating) in zip(raters, systems, strict=False):
            rows.append([system, f"doc{doc_id}", str(doc_id), str(seg_id), rater, to_en(m), *rating])
    return rows


# ---------------------------------------------------------------------------------------------------
# Stanford Alpaca records (English)
# ---------------------------------------------------------------------------------------------------


def np_text(np: NP) -> str:
    return " ".join(np_en(np))


def without_adjectives(m: Meaning) -> Meaning:
    return replace(m, subj=replace(m.subj, adj=None), obj=replace(m.obj, adj=None))


# name -> (instruction, condition on the meaning, output)
ALPACA_TASKS: dict[str, tuple[str, Callable[[Meaning], bool], Callable[[Meaning], str]]] = {
    "count": ("Count the words in the sentence.", lambda m: True, lambda m: str(len(to_en(m).split()))),
    "past": (
        "Rewrite the sentence in the past tense.",
        lambda m: not m.past and not (m.time and m.time.tense),
        lambda m: to_en(replace(m, past=True)),
    ),
    "subject": ("What is the subject of the sentence?", lambda m: True, lambda m: np_text(m.subj)),
    "object": ("What is the object of the sentence?", lambda m: True, lambda m: np_text(m.obj)),
    "capitals": ("Write the sentence in capital letters.", lambda m: True, lambda m: to_en(m).upper()),
    "plural": (
        "Rewrite the sentence with a plural subject.",
        lambda m: not m.subj.plural,
        lambda m: to_en(replace(m, subj=replace(m.subj, plural=True))),
    ),
    "verb": ("Which word in the sentence is the verb?", lambda m: True, verb_en),
    "tense": (
        "Is the sentence in the past or the present tense? Answer with one word.",
        lambda m: True,
        lambda m: "past" if m.past else "present",
    ),
    "adjectives": (
        "Remove all adjectives from the sentence.",
        lambda m: bool(m.subj.adj or m.obj.adj),
        lambda m: to_en(without_adjectives(m)),
    ),
}
ALPACA_LISTS = {"Name three animals.": "animal", "Name three kinds of food.": "food"}


def alpaca_records(rng: random.Random) -> list[dict[str, str]]:
    """6 records per sentence task and 3 per list task: 60 in all, in shuffled order."""
    jobs = [name for name in ALPACA_TASKS for _ in range(6)] + [q for q in ALPACA_LISTS for _ in range(3)]
    rng.shuffle(jobs)
    records: list[dict[str, str]] = []
    seen: set[tuple[str, str, str]] = set()
    for job in jobs:
        while True:
            if job in ALPACA_LISTS:
                nouns = rng.sample([n.en for n in NOUNS if n.kind == ALPACA_LISTS[job]], 3)
                record = {"instruction": job, "input": "", "output": ", ".join(nouns)}
            else:
                instruction, condition, output = ALPACA_TASKS[job]
                m = sample_meaning(rng)
                if not condition(m):
                    continue
                record = {"instruction": instruction, "input": to_en(m), "output": output(m)}
            key = (record["instruction"], record["input"], record["output"])
            if key not in seen:
                seen.add(key)
                records.append(record)
                break
    return records


# ---------------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------------
# Evaluation items beyond translation (the evaluate stage): COPA-style choices in Chinese, QA in the
# hub layout of XQuAD in German, and held-out German chat prompts. Own generator: the files above stay as
# they were.
# ---------------------------------------------------------------------------------------------------

EVAL_SEED = SEED + 1
EVAL_ITEMS = 40


def copa_items(rng: random.Random, taken: set[str]) -> list[dict]:
    """XCOPA's layout (premise, choice1, choice2, question, label, idx): the right choice goes on with the
    premise's subject, the other is about another one."""
    items = []
    for idx, premise in enumerate(unique_meanings(rng, EVAL_ITEMS, taken, zh_safe=True)):
        same = sample_meaning(rng, zh_safe=True, subject=premise.subj.noun)
        other = sample_meaning(rng, zh_safe=True)
        while other.subj.noun == premise.subj.noun:
            other = sample_meaning(rng, zh_safe=True)
        label = rng.randint(0, 1)
        choices = [to_zh(other), to_zh(same)] if label else [to_zh(same), to_zh(other)]
        items.append(
            {
                "premise": to_zh(premise),
                "choice1": choices[0],
                "choice2": choices[1],
                "question": rng.choice(("cause", "effect")),
                "label": label,
                "idx": idx,
            }
        )
    return items


def qa_items(rng: random.Random, taken: set[str]) -> list[dict]:
    """XQuAD's hub layout (id, context, question, answers {text, answer_start}): three German sentences as
    the context, `Wer …?` about one's subject, the subject as it stands in the context."""
    items = []
    for idx in range(EVAL_ITEMS):
        asked, *rest = unique_meanings(rng, 3, taken)
        asked = Meaning(asked.subj, asked.verb, asked.obj, asked.past)  # no time word: the subject leads
        sentences = [asked, *rest]
        rng.shuffle(sentences)
        context = " ".join(to_de(m) for m in sentences)
        subject = " ".join(word for word, _ in tagged_de(asked)[: len(np_de(asked.subj, "nom", "subj"))])
        verb = asked.verb.de_past_sg if asked.past else asked.verb.de_3sg
        question = f"Wer {verb} {' '.join(w for w, _ in np_de(asked.obj, 'acc', 'obj'))}?"
        items.append(
            {
                "id": f"sample-qa-{idx}",
                "context": context,
                "question": question,
                "answers": {"text": [subject], "answer_start": [context.index(subject)]},
            }
        )
    return items


def chat_prompts(rng: random.Random, taken: set[str]) -> list[dict]:
    """German prompts in the sample's OASST wording about sentences no thread has, each with a German
    reference answer: held out from training."""
    prompts = []
    for m in unique_meanings(rng, EVAL_ITEMS // 2, taken):
        prompt = rng.choice(OASST_TEXT["de"]["prompts"]).format(s=to_de(m))
        answer = to_de(sample_meaning(rng, subject=m.subj.noun))
        prompts.append({"prompt": prompt, "reference": answer})
    return prompts


def write_text(relative: str, text: str) -> None:
    path = HERE / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def write_lines(relative: str, lines: list[str]) -> None:
    for line in lines:
        if "\n" in line or "\r" in line:
            raise ValueError(f"line break inside a line of {relative}: {line!r}")
    write_text(relative, "".join(line + "\n" for line in lines))


def write_pairs(prefix: str, src_lang: str, tgt_lang: str, pairs: list[Pair]) -> None:
    write_lines(f"{prefix}.{src_lang}", [p.src for p in pairs])
    write_lines(f"{prefix}.{tgt_lang}", [p.tgt for p in pairs])


def check_lengths(pairs: list[Pair], lang: str) -> None:
    """Clean sentences have 5-14 words (English, German, Spanish)."""
    for pair in pairs:
        texts = [pair.src] + ([pair.tgt] if lang != "zh" else [])
        for text in texts:
            if not 5 <= len(text.split()) <= 14:
                raise ValueError(f"sentence length out of range: {text!r}")


def main() -> None:
    rng = random.Random(SEED)
    reserved: set[str] = set()  # English sentences of the test sets
    tests = {lang: make_test_pairs(rng, lang, reserved) for lang in ("de", "zh")}
    for lang, pairs in tests.items():
        check_lengths(pairs, lang)
        write_pairs(f"test/test.en-{lang}", "en", lang, pairs)

    notes: dict[str, list[str]] = {}
    train: dict[str, list[Pair]] = {}
    for lang in ("de", "zh", "es"):
        pairs = train[lang] = make_train_pairs(rng, lang, set(reserved), tests.get(lang))
        check_lengths([p for p in pairs if not p.note], lang)
        write_pairs(f"pairs/train.en-{lang}", "en", lang, pairs)
        notes[f"pairs/train.en-{lang}"] = dirty_report(pairs)

    messages, notes["oasst/messages.jsonl"] = oasst_messages(rng)
    write_lines("oasst/messages.jsonl", [json.dumps(m, ensure_ascii=False) for m in messages])
    write_lines("mqm/mqm.en-de.tsv", ["\t".join(row) for row in mqm_rows(rng, set(reserved))])
    records = alpaca_records(rng)
    write_text("alpaca/alpaca_en.json", json.dumps(records, indent=2, ensure_ascii=False) + "\n")

    hint_rng = random.Random(HINT_SEED)
    for lang in ("de", "zh"):
        rows = hint_mqm_rows(hint_rng, train[lang], lang)
        write_lines(f"mqm/hints.en-{lang}.tsv", ["\t".join(row) for row in rows])

    eval_rng, held_out = random.Random(EVAL_SEED), set(reserved)
    for name, items in (
        ("eval/xcopa.zh.jsonl", copa_items(eval_rng, held_out)),
        ("eval/xquad.de.jsonl", qa_items(eval_rng, held_out)),
        ("eval/chat.de.jsonl", chat_prompts(eval_rng, held_out)),
    ):
        write_lines(name, [json.dumps(item, ensure_ascii=False) for item in items])

    for path in sorted(p for p in HERE.rglob("*") if p.is_file() and p.suffix not in (".py", ".md")):
        count = len(path.read_text(encoding="utf-8").splitlines())
        print(f"{path.relative_to(HERE)}: {count} lines")
    for name, lines in notes.items():
        if lines:
            print(f"\n{name} - injected:")
            print("\n".join(f"  {line}" for line in lines))


if __name__ == "__main__":
    main()
