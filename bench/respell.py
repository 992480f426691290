#!/usr/bin/env python3
"""Deterministic respelling generator for the screening quality evaluation.

Takes listed parties from one source list and writes them back the way a
payment clerk or a foreign correspondent bank would type them, applying the
error classes of issue 10 in general form (no per-name cases):

  Korean personal names (parsed into romanised syllables):
    system    re-romanise every syllable in another system: McCune-Reischauer
              with apostrophes (Ch'ol), Revised Romanization (k->g, ch->j,
              p->b, t->d, o->eo, u->eu), "Western" (oo, ee, Choi-style)
    split     given name joined, hyphenated or split ("Kyong Su"/"Kyongsu")
    surname   surname variant (Ri/Lee/Yi/Rhee, Pak/Park/Bak, Choe/Choi ...)
    reorder   given name first
    typo      one edit (substitution by a keyboard neighbour, deletion,
              doubling, transposition) inside one syllable
    hangul    written in Hangul
    cyrillic  written in Russian Cyrillic by the Kontsevich system
  Firm names:
    abbrev    trade words abbreviated as payment fields truncate them
              (a lexicon of bank abbreviations, consonant skeletons "TRDG",
              4-letter truncations), one transposed letter in an abbreviation
    country   "Democratic People's Republic of Korea"/"DPRK"/"D.P.R.K."/
              "North Korea"/"Korea DPR" swapped
    typo      one edit in one word
    legal     legal form dropped or abbreviated
  Russian personal names (given + surname, optional patronymic):
    cyrillic  back-transliterated into Cyrillic
    french / german  transliterated the French or German way
    reorder, typo

Negatives (must not alert): Korean and Russian personal names of the same
shape built from common syllables / names, firm names built from the same
trade words, and remittance lines of common payment words.  Negatives that are
equal to a listed name after folding are dropped (they would be homonyms).

Usage:
  python3 bench/respell.py --source un   --out /tmp/respell/un.csv     # tuning set
  python3 bench/respell.py --source ofac --out /tmp/respell/ofac.csv   # held-out set
  python3 bench/respell.py --negatives  --out /tmp/respell/neg.csv
Sources are read from ../shared/data/sanctions at run time (nothing copied).
Output CSV: qid,kind,source_list,entity_id,listed_name,query,schema,transforms
"""
import argparse
import csv
import json
import os
import random
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data", "sanctions")
SEED = 20261203

# ---------------------------------------------------------------------------
# Korean romanised syllables
# Initials and vowels are written in a neutral McCune-Reischauer-like form
# ("o'" = ŏ, "u'" = ŭ, "k'" = aspirated) that each system then renders.
INITIALS = ["kk", "tt", "pp", "ss", "jj", "ch'", "k'", "t'", "p'", "kh", "th", "ph", "ch", "k", "g", "n", "t", "d", "r", "l",
            "m", "p", "b", "s", "sh", "j", "h", ""]
VOWELS = ["yae", "wae", "ya", "yo'", "yeo", "yo", "ye", "yu", "ae", "eo", "eu", "o'", "u'", "oe", "wa", "wo'",
          "wo", "we", "wi", "ui", "u'i", "a", "e", "i", "o", "u"]
FINALS = ["ng", "n", "m", "l", "k", "p", "t", ""]
# Neutral initial per written initial.
INI_N = {"g": "k", "d": "t", "b": "p", "j": "ch", "l": "r", "sh": "s", "jj": "tch", "kh": "k'", "th": "t'",
         "ph": "p'"}
VOW_N = {"yeo": "yo'", "eo": "o'", "eu": "u'", "wo": "wo'", "ui": "u'i"}


def parse_syllables(word):
    """Split a romanised Korean word into (initial, vowel, final) syllables
    (neutral spelling), or None.  Fewest syllables wins; ties prefer a final
    consonant on the earlier syllable only when the next starts with one."""
    w = word.lower().replace("’", "'").replace("`", "'")
    n = len(w)
    best = {n: (0, [])}
    for i in range(n - 1, -1, -1):
        cands = []
        for ini in INITIALS:
            if not w.startswith(ini, i):
                continue
            j = i + len(ini)
            for v in VOWELS:
                if not w.startswith(v, j):
                    continue
                k = j + len(v)
                for f in FINALS:
                    if not w.startswith(f, k):
                        continue
                    e = k + len(f)
                    if e in best:
                        # a final followed by a vowel-initial syllable is unusual
                        nxt_vowel = e < n and w[e] in "aeiouwy"
                        pen = 1 if (f and nxt_vowel) else 0
                        cands.append((best[e][0] + 1 + pen * 0.1, [(ini, v, f)] + best[e][1]))
        if cands:
            best[i] = min(cands, key=lambda c: c[0])
    if 0 not in best:
        return None
    return [(INI_N.get(a, a), VOW_N.get(b, b), c) for a, b, c in best[0][1]]


def render(syl, system, rnd, first):
    ini, vow, fin = syl
    if system == "mr":  # McCune-Reischauer, apostrophes for aspiration and breves
        i = ini
        v = vow
    elif system == "rr":  # Revised Romanization
        i = {"k": "g", "t": "d", "p": "b", "ch": "j", "ch'": "ch", "k'": "k", "t'": "t", "p'": "p", "tch": "jj",
             "r": "" if first and vow.startswith(("i", "y")) else ("n" if first else "r")}.get(ini, ini)
        v = {"o'": "eo", "u'": "eu", "yo'": "yeo", "wo'": "wo", "u'i": "ui"}.get(vow, vow)
        fin = {"k": "k", "t": "t", "p": "p"}.get(fin, fin)
    elif system == "western":  # as English-speaking clerks write Korean names
        i = {"ch'": "ch", "k'": "k", "t'": "t", "p'": "p", "tch": "jj"}.get(ini, ini)
        v = {"o'": "u" if rnd.random() < 0.3 else "o", "u'": "eu", "yo'": "yeo" if rnd.random() < 0.5 else "yu",
             "u": "oo" if rnd.random() < 0.5 else "u", "i": "ee" if rnd.random() < 0.3 else "i",
             "oe": "oi", "wo'": "wo", "u'i": "ui"}.get(vow, vow)
    else:  # "dprk": the list's own style, diacritics dropped
        i = {"ch'": "ch", "k'": "k", "t'": "t", "p'": "p"}.get(ini, ini)
        v = {"o'": "o", "u'": "u", "yo'": "yo", "wo'": "wo", "u'i": "ui"}.get(vow, vow)
    return i + v + fin


# Hangul composition.
H_INI = {"k": 0, "kk": 1, "n": 2, "t": 3, "tt": 4, "r": 5, "m": 6, "p": 7, "pp": 8, "s": 9, "ss": 10, "": 11,
         "ch": 12, "tch": 13, "ch'": 14, "k'": 15, "t'": 16, "p'": 17, "h": 18}
H_VOW = {"a": 0, "ae": 1, "ya": 2, "yae": 3, "o'": 4, "e": 5, "yo'": 6, "ye": 7, "o": 8, "wa": 9, "wae": 10,
         "oe": 11, "yo": 12, "u": 13, "wo'": 14, "wo": 14, "we": 15, "wi": 16, "yu": 17, "u'": 18, "u'i": 19, "i": 20}
H_FIN = {"": 0, "k": 1, "n": 4, "t": 7, "l": 8, "m": 16, "p": 17, "ng": 21}


def hangul(syl, rnd):
    ini, vow, fin = syl
    v = vow
    if v == "o" and rnd.random() < 0.5:
        v = "o'"  # written o, could be either vowel: the clerk guesses
    if v == "u" and rnd.random() < 0.3:
        v = "u'"
    return chr(0xAC00 + (H_INI.get(ini, 11) * 21 + H_VOW.get(v, 0)) * 28 + H_FIN.get(fin, 0))


# Kontsevich (Russian Cyrillic for Korean): per jamo.
K_INI = {"k": "к", "kk": "кк", "n": "н", "t": "т", "tt": "тт", "r": "р", "m": "м", "p": "п", "pp": "пп", "s": "с",
         "ss": "сс", "": "", "ch": "ч", "tch": "чч", "ch'": "чх", "k'": "кх", "t'": "тх", "p'": "пх", "h": "х"}
K_VOW = {"a": "а", "ae": "э", "ya": "я", "yae": "йя", "o'": "о", "e": "е", "yo'": "ё", "ye": "е", "o": "о",
         "wa": "ва", "wae": "вэ", "oe": "ве", "yo": "ё", "u": "у", "wo'": "во", "wo": "во", "we": "ве", "wi": "ви",
         "yu": "ю", "u'": "ы", "u'i": "ый", "i": "и"}
K_FIN = {"": "", "k": "к", "n": "н", "t": "т", "l": "ль", "m": "м", "p": "п", "ng": "н"}


def kontsevich(syls, rnd, word_initial=True):
    out = []
    for n, (ini, vow, fin) in enumerate(syls):
        i = K_INI.get(ini, "")
        if n > 0:  # voicing between vowels
            i = {"к": "г", "т": "д", "п": "б", "ч": "чж"}.get(i, i)
        if ini == "r" and n == 0 and vow in ("i", "ya", "yo", "yo'", "yu", "ye"):
            i = "л" if rnd.random() < 0.5 else "р"  # Ли / Ри
        v = K_VOW.get(vow, "а")
        if ini == "" and n == 0 and vow == "o'":
            v = "о"
        f = K_FIN.get(fin, "")
        if f == "ль" and n + 1 < len(syls):
            f = "ль" if syls[n + 1][0] == "" else "л"
        out.append(i + v + f)
    return "".join(out)


SURNAME_VARIANTS = [
    ["ri", "lee", "yi", "rhee", "li", "i"], ["pak", "park", "bak"], ["choe", "choi", "chwe"],
    ["ryu", "yu", "yoo", "lyu"], ["ro", "no", "roh", "noh"], ["kim", "gim"], ["jong", "chong", "jeong", "chung"],
    ["kang", "gang"], ["jo", "cho"], ["rim", "lim", "im"], ["ryom", "yom", "yeom"], ["ryang", "yang"],
    ["ra", "na"], ["o", "oh"], ["u", "woo"], ["han"], ["hwang"], ["so", "seo", "suh"], ["sin", "shin"],
    ["kye", "gye"], ["kwon", "gwon"], ["ko", "go", "koh"], ["to", "do"], ["chang", "jang"], ["chon", "jeon", "chun"],
    ["mun", "moon"], ["paek", "baek", "paik"], ["yun", "yoon"], ["hyon", "hyun", "hyeon"],
]
SURNAME_OF = {v: g for g in SURNAME_VARIANTS for v in g}

KEYB = {c: n for c, n in zip("qwertyuiopasdfghjklzxcvbnm",
                             ["wa", "qes", "wrd", "etf", "ryg", "tuh", "yij", "uok", "ipl", "ol", "qsz", "adxe",
                              "sfcr", "dgvt", "fhby", "gjnu", "hkmi", "jlo", "kp", "xas", "zcs", "xvd", "cbf",
                              "vng", "bmh", "nj"])}


def typo(word, rnd):
    """One edit inside a word (keeps at least one letter)."""
    if len(word) < 2:
        return word
    op = rnd.choice(["sub", "del", "dup", "swap"])
    i = rnd.randrange(1, len(word)) if op != "sub" else rnd.randrange(len(word))
    c = word[i]
    if op == "sub" and c.lower() in KEYB:
        r = rnd.choice(KEYB[c.lower()])
        return word[:i] + (r.upper() if c.isupper() else r) + word[i + 1:]
    if op == "del" and len(word) > 2:
        return word[:i] + word[i + 1:]
    if op == "swap" and i < len(word) - 1 and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + c + word[i:]


def cap(s):
    return s[:1].upper() + s[1:]


# ---------------------------------------------------------------------------
# Korean person names

def korean_parts(family, given):
    """(family syllable, [given syllables]) or None when not Korean-shaped."""
    f = re.sub(r"[^a-z'’]", "", family.lower())
    fs = parse_syllables(f)
    if not fs or len(fs) != 1:
        return None
    gs = []
    for w in re.split(r"[\s\-]+", given.strip()):
        if not w:
            continue
        p = parse_syllables(re.sub(r"[^a-z'’]", "", w.lower()))
        if not p:
            return None
        gs.extend(p)
    if not 1 <= len(gs) <= 3:
        return None
    return fs[0], gs, f.replace("'", "").replace("’", "")


def respell_korean(family, given, rnd):
    parts = korean_parts(family, given)
    if not parts:
        return []
    fam, gs, fam_plain = parts
    out = []
    for cls in ["system", "split", "surname", "reorder", "typo", "hangul", "cyrillic", "system+split+reorder",
                "surname+typo"]:
        classes = cls.split("+")
        if "hangul" in classes:
            q = hangul(fam, rnd) + (" " if rnd.random() < 0.3 else "") + "".join(hangul(s, rnd) for s in gs)
            out.append((q, cls))
            continue
        if "cyrillic" in classes:
            f = kontsevich([fam], rnd)
            g = kontsevich(gs, rnd)
            q = f"{cap(f)} {cap(g)}" if rnd.random() < 0.7 else f"{cap(g)} {cap(f)}"
            out.append((q, cls))
            continue
        system = rnd.choice(["rr", "mr", "western"]) if "system" in classes else "dprk"
        fam_s = render(fam, system, rnd, True)
        if "surname" in classes and fam_plain in SURNAME_OF:
            alts = [v for v in SURNAME_OF[fam_plain] if v != fam_plain]
            if not alts:
                continue
            fam_s = rnd.choice(alts)
        gsyl = [render(s, system, rnd, n == 0) for n, s in enumerate(gs)]
        if "split" in classes and len(gsyl) > 1:
            sep = rnd.choice(["", "-", " "])
        else:
            sep = rnd.choice(["-", " "]) if system != "rr" else rnd.choice(["", "-"])
        gname = sep.join(gsyl)
        if "typo" in classes:
            words = gname.split(sep) if sep else [gname]
            k = rnd.randrange(len(words) + 1)
            if k == len(words) and len(fam_s) >= 2:
                fam_s = typo(fam_s, rnd)
            else:
                k = min(k, len(words) - 1)
                words[k] = typo(words[k], rnd)
            gname = sep.join(words)
        fam_s, gname = cap(fam_s), cap(gname)
        if "reorder" in classes:
            q = f"{gname} {fam_s.upper() if rnd.random() < 0.5 else fam_s}"
        else:
            q = rnd.choice([f"{fam_s} {gname}", f"{fam_s.upper()}, {gname}", f"{fam_s.upper()} {gname.upper()}"])
        out.append((q, cls))
    return out


# ---------------------------------------------------------------------------
# Firm names

ABBREV = {
    "trading": ["trdg", "trd", "tradg"], "corporation": ["corp", "corpn"], "international": ["intl", "int'l", "intnl"],
    "development": ["dev", "devt", "devel"], "shipping": ["shpg", "shipg", "shp"], "company": ["co"],
    "limited": ["ltd"], "general": ["gen", "genl"], "industrial": ["indl", "ind"], "industry": ["ind", "indus"],
    "bank": ["bk"], "management": ["mgmt", "mgt"], "technology": ["tech"], "engineering": ["eng", "engg"],
    "association": ["assn", "assoc"], "export": ["exp"], "import": ["imp"], "commercial": ["comml", "coml"],
    "national": ["natl"], "department": ["dept"], "committee": ["cttee", "cmte"], "machinery": ["mach", "machy"],
    "equipment": ["equip", "eqpt"], "investment": ["invest", "invt"], "maritime": ["mar", "marit"],
    "petroleum": ["petro", "petrol"], "chemical": ["chem"], "electronics": ["elec", "electr"], "group": ["grp"],
    "holding": ["hldg"], "holdings": ["hldgs"], "services": ["svcs", "serv"], "mining": ["mng"],
    "insurance": ["ins"], "resources": ["res"], "transport": ["trans", "transp"], "construction": ["constr", "const"],
    "manufacturing": ["mfg"], "materials": ["matls"], "enterprise": ["ent", "entp"], "brothers": ["bros"],
    "agency": ["agcy"], "logistics": ["log", "logist"],
}
COUNTRY_FORMS = ["democratic people's republic of korea", "dprk", "d.p.r.k.", "north korea", "korea dpr",
                 "korea, dpr"]
LEGAL = {"company limited": ["co ltd", "co. ltd.", "ltd", ""], "limited": ["ltd", ""], "corporation": ["corp", ""],
         "company": ["co", ""], "co., ltd.": ["co ltd", ""], "llc": ["", "l.l.c."], "ltd": [""], "co": [""]}


def respell_firm(name, rnd):
    base = " ".join(name.split())
    low = base.lower()
    out = []
    words = re.findall(r"[\w'.]+|[^\w\s]", base)
    # abbrev: each abbreviable word abbreviated with prob 0.7 (at least one)
    idx = [i for i, w in enumerate(words) if w.lower() in ABBREV]
    if idx:
        ws = list(words)
        chosen = [i for i in idx if rnd.random() < 0.7] or [rnd.choice(idx)]
        for i in chosen:
            a = rnd.choice(ABBREV[ws[i].lower()])
            if rnd.random() < 0.15 and len(a) >= 3:  # transposed letters
                k = rnd.randrange(1, len(a) - 1)
                a = a[:k] + a[k + 1] + a[k] + a[k + 2:]
            ws[i] = a.upper()
        out.append((" ".join(ws).upper(), "abbrev"))
    for form in COUNTRY_FORMS:
        if form in low and not (form == "dprk" and "dprkn" in low):
            alt = rnd.choice([f for f in COUNTRY_FORMS if f != form and f not in form])
            q = re.sub(re.escape(form), alt, low, flags=re.I)
            out.append((q.upper(), "country"))
            break
    ws = base.split()
    legal_words = {"co", "ltd", "corp", "llc", "inc", "company", "limited", "corporation", "of", "the", "and"}
    long_idx = [i for i, w in enumerate(ws)
                if len(re.sub(r"\W", "", w)) >= 3 and re.sub(r"\W", "", w).lower() not in legal_words]
    if long_idx:
        i = rnd.choice(long_idx)
        ws2 = list(ws)
        ws2[i] = typo(ws2[i], rnd)
        out.append((" ".join(ws2), "typo"))
    for lf, alts in LEGAL.items():
        if low.endswith(" " + lf):
            alt = rnd.choice(alts)
            q = base[: len(base) - len(lf)].rstrip(" ,") + (" " + alt.upper() if alt else "")
            out.append((q, "legal"))
            break
    return out


# ---------------------------------------------------------------------------
# Russian person names

RU_CYR = [("shch", "щ"), ("kh", "х"), ("zh", "ж"), ("ts", "ц"), ("ch", "ч"), ("sh", "ш"), ("yu", "ю"),
          ("ya", "я"), ("yo", "ё"), ("ye", "е"), ("iy", "ий"), ("yy", "ый"), ("a", "а"), ("b", "б"), ("v", "в"),
          ("g", "г"), ("d", "д"), ("e", "е"), ("z", "з"), ("i", "и"), ("y", "й"), ("k", "к"), ("l", "л"),
          ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"),
          ("f", "ф"), ("'", "ь"), ("x", "кс"), ("w", "в"), ("c", "к"), ("j", "й"), ("h", "х"), ("q", "к")]


def to_cyrillic(word):
    w = word.lower()
    out = ""
    i = 0
    while i < len(w):
        for lat, cyr in RU_CYR:
            if w.startswith(lat, i):
                # y after a consonant at the end of a word is ы (Kozlov-y)
                if lat == "y" and i > 0 and w[i - 1] not in "aeiou" and (i + 1 == len(w) or w[i + 1] not in "aeiou"):
                    cyr = "ы"
                out += cyr
                i += len(lat)
                break
        else:
            i += 1
    return cap(out)


def _one_pass(w, table):
    """Replace by the table in one left-to-right pass (no chained rewrites)."""
    keys = sorted(table, key=len, reverse=True)
    return re.sub("|".join(map(re.escape, keys)), lambda m: table[m.group(0)], w)


FRENCH = {"shch": "chtch", "kh": "kh", "zh": "j", "ch": "tch", "sh": "ch", "yu": "iou", "ya": "ia", "u": "ou",
          "iy": "i", "yy": "y"}
GERMAN = {"shch": "schtsch", "kh": "ch", "zh": "sch", "ch": "tsch", "sh": "sch", "ts": "z", "yu": "ju", "ya": "ja",
          "v": "w", "iy": "i", "y": "j"}


def french(word):
    w = _one_pass(word.lower(), FRENCH)
    w = re.sub(r"(?<=[aeiou])s(?=[aeiou])", "ss", w)
    w = re.sub(r"ev$", "iev", w)
    return cap(w)


def german(word):
    w = _one_pass(word.lower(), GERMAN)
    w = re.sub(r"(?<=[aeiou])s(?=[aeiou])", "ss", w)
    return cap(w)


def respell_russian(given, family, patronymic, rnd):
    out = []
    for cls in ["cyrillic", "french", "german", "reorder", "typo"]:
        g, f, p = given, family, patronymic
        if cls == "cyrillic":
            parts = [to_cyrillic(f), to_cyrillic(g)] + ([to_cyrillic(p)] if p and rnd.random() < 0.5 else [])
            out.append((" ".join(parts), cls))
        elif cls == "french":
            out.append((f"{french(g)} {french(f).upper()}", cls))
        elif cls == "german":
            out.append((f"{german(g)} {german(f)}", cls))
        elif cls == "reorder":
            out.append((f"{f.upper()} {g}" + (f" {p}" if p else ""), cls))
        else:
            if rnd.random() < 0.5:
                f = typo(f, rnd)
            else:
                g = typo(g, rnd)
            out.append((f"{g} {f}", cls))
    return out


def russian_shaped(given, family):
    w = (given + " " + family).lower()
    return bool(re.search(r"(ov|ev|in|ko|ich|sky|skiy|iy|aya|ova|eva|ina)$", family.lower())) and re.fullmatch(
        r"[a-z' \-]+", w) is not None


# ---------------------------------------------------------------------------
# Sources


def un_entries():
    t = ET.parse(os.path.join(DATA, "un", "UN_consolidated_2026-02-27.xml")).getroot()
    for ind in t.iter("INDIVIDUAL"):
        prog = ind.findtext("UN_LIST_TYPE")
        parts = [(ind.findtext(x) or "").strip() for x in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME")]
        yield {"id": "un:" + ind.findtext("DATAID"), "kind": "person", "program": prog, "parts": parts,
               "name": " ".join(p for p in parts if p)}
    for e in t.iter("ENTITY"):
        yield {"id": "un:" + e.findtext("DATAID"), "kind": "firm", "program": e.findtext("UN_LIST_TYPE"),
               "name": (e.findtext("FIRST_NAME") or "").strip()}


def ofac_entries():
    path = os.path.join(DATA, "ofac", "sdn_csv_2021_full", "sdn.csv")
    with open(path, encoding="cp1252") as f:
        for r in csv.reader(f):
            if len(r) < 4:
                continue
            typ, prog = r[2].strip(), r[3]
            name = r[1].strip()
            if typ == "individual":
                fam, _, given = name.partition(",")
                yield {"id": "ofac-sdn:" + r[0].strip(), "kind": "person", "program": prog,
                       "parts": [fam.strip(), given.strip(), ""], "name": name}
            elif typ == "-0-":
                yield {"id": "ofac-sdn:" + r[0].strip(), "kind": "firm", "program": prog, "name": name}


def eu_entries():
    with open(os.path.join(DATA, "eu", "eu_fsf_2026-01-28_derived.ftm.jsonl"), encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            if e["schema"] != "Person":
                continue
            names = e["properties"].get("name", []) + e["properties"].get("alias", [])
            for k, n in enumerate(names):
                yield {"id": "ftm:" + e["id"], "kind": "person", "program": "EU", "name": n, "alias": k > 0}


def fold(s):
    s = unicodedata.normalize("NFKD", s.lower())
    return re.sub(r"[^a-z]", "", s)


def korean_person(e):
    fam, given = e["parts"][0], e["parts"][1]
    if e["parts"][2]:
        return None
    return (fam, given) if korean_parts(fam, given) else None


def russian_person(e, rnd):
    """(given, family, patronymic) for Russian-shaped person names."""
    n = e["name"]
    if "," in n:
        fam, _, rest = n.partition(",")
        rest = rest.split()
    else:
        ws = n.split()
        if len(ws) < 2:
            return None
        # EU/FtM: "Given Patronymic Family" or "Family Given Patronymic"
        pat = [w for w in ws if re.search(r"(ovich|evich|ovna|evna|ichna)$", w.lower())]
        if not pat:
            return None
        i = ws.index(pat[0])
        if i == 1 and len(ws) == 3:
            rest, fam = [ws[0], ws[1]], ws[2]
        elif i == 2 and len(ws) == 3:
            fam, rest = ws[0], [ws[1], ws[2]]
        else:
            return None
    if not rest:
        return None
    given = rest[0]
    pat = rest[1] if len(rest) > 1 and re.search(r"(ovich|evich|ovna|evna)$", rest[1].lower()) else ""
    fam = fam.strip().title()
    if not russian_shaped(given, fam) or not re.fullmatch(r"[A-Za-z\-]+", fam):
        return None
    return given.title(), fam, pat.title()


def build(source, limit_per_class, draw=0):
    """Respelt queries from `source`; `draw` selects another independent
    random draw (names sampled and respellings) from the same generator."""
    rnd = random.Random(SEED + (0 if source == "un" else 1) + 100 * draw)
    rows = []
    if source == "un":
        entries = list(un_entries())
        korean_progs = ("DPRK",)
        extra = list(eu_entries())  # Russian names for the tuning set
    else:
        entries = list(ofac_entries())
        korean_progs = ("DPRK",)
        extra = []
        # Held out: nothing whose name appears in the tuning sources.
        seen = {fold(e["name"]) for e in un_entries()} | {fold(respell_latin(e["name"])) for e in eu_entries()}
        for e in un_entries():
            seen.add(fold(" ".join(reversed(e["name"].split()))))
        seen.discard("")
        entries = [e for e in entries if fold(e["name"]) not in seen
                   and fold(" ".join(p for p in e.get("parts", []) if p)) not in seen]
    for e in entries:
        prog = e["program"] or ""
        if e["kind"] == "person" and any(p in prog for p in korean_progs):
            kp = korean_person(e)
            if kp:
                for q, cls in respell_korean(kp[0], kp[1], rnd):
                    rows.append(("korean-person", e, q, "Person", cls))
        elif e["kind"] == "firm" and any(p in prog for p in korean_progs):
            for q, cls in respell_firm(e["name"], rnd):
                rows.append(("firm", e, q, "Organization", cls))
        elif e["kind"] == "person" and source == "ofac" and re.search(r"UKRAINE|RUSSIA", prog):
            rp = russian_person(e, rnd)
            if rp:
                for q, cls in respell_russian(*rp, rnd):
                    rows.append(("russian-person", e, q, "Person", cls))
    for e in extra:
        if e.get("alias"):
            continue
        rp = russian_person(e, rnd)
        if rp:
            for q, cls in respell_russian(*rp, rnd):
                rows.append(("russian-person", e, q, "Person", cls))
    # Cap each (kind, class) deterministically so no class dominates.
    by = {}
    for r in rows:
        by.setdefault((r[0], r[4]), []).append(r)
    out = []
    for k in sorted(by):
        v = by[k]
        rnd.shuffle(v)
        out.extend(v[:limit_per_class])
    return out


# ---------------------------------------------------------------------------
# Negatives

KOR_SURNAMES = ["Kim", "Ri", "Pak", "Choe", "Jong", "Kang", "Jo", "Yun", "Jang", "Han", "Rim", "O", "Hwang", "So",
                "Sin", "Kwon", "Ryu", "Ko", "Mun", "Yang", "Son", "Pae", "Paek", "Ho", "Nam", "Sim", "No", "Ha",
                "Kwak", "Song", "Cha", "Ju", "U", "Ku", "Min", "Ryom", "Tong", "Chon", "Hyon", "Kye"]
KOR_GIVEN = ["yong", "chol", "song", "il", "myong", "kwang", "hyok", "nam", "chun", "hui", "jin", "su", "ho",
             "sok", "hak", "jun", "gil", "min", "kuk", "ryong", "chang", "dok", "un", "sun", "ok", "hyon", "gyong",
             "hwa", "mi", "yon", "bong", "sik", "thae", "nyo", "ju", "chan", "hun", "ung", "pyong", "mu", "sam"]
RU_GIVEN = ["Aleksandr", "Sergei", "Andrei", "Dmitry", "Alexei", "Mikhail", "Ivan", "Nikolai", "Oleg", "Pavel",
            "Yuri", "Viktor", "Igor", "Roman", "Maxim", "Anton", "Konstantin", "Vadim", "Ruslan", "Artem", "Elena",
            "Olga", "Tatiana", "Irina", "Natalia", "Svetlana", "Anna", "Maria", "Ekaterina", "Yulia"]
RU_FAMILY = ["Ivanov", "Smirnov", "Kuznetsov", "Popov", "Vasiliev", "Petrov", "Sokolov", "Mikhailov", "Novikov",
             "Fedorov", "Morozov", "Volkov", "Alekseev", "Lebedev", "Semenov", "Egorov", "Pavlov", "Kozlov",
             "Stepanov", "Nikolaev", "Orlov", "Andreev", "Makarov", "Nikitin", "Zakharov", "Zaitsev", "Soloviev",
             "Borisov", "Yakovlev", "Grigoriev", "Romanov", "Vorobiev", "Sergeev", "Kuzmin", "Frolov", "Belov",
             "Tarasov", "Gusev", "Titov", "Kiselev"]
FIRM_WORDS = ["Pacific", "Golden", "Star", "Ocean", "Sunrise", "Eastern", "Northern", "Unity", "Harmony", "Victory",
              "Pioneer", "Silver", "Jade", "Dragon", "Lotus", "Crystal", "Morning", "Bright", "Great", "Royal"]
FIRM_TRADE = ["Trading", "Shipping", "Development", "International", "Industrial", "Mining", "Machinery",
              "Electronics", "Investment", "Maritime", "Technology", "Engineering", "Logistics", "Petroleum"]
FIRM_FORM = ["Corporation", "Co Ltd", "Company", "Limited", "LLC", "Corp", "Group", "Holdings"]
REMITTANCE = [
    "payment for crude oil cargo", "freight MV ocean star", "crude oil and gas condensate", "invoice 2291 steel coils",
    "ocean freight charges", "container shipping fees", "spare parts for machinery", "consulting services march",
    "advance payment for coal", "demurrage charges vessel", "marine fuel bunkering", "fertilizer shipment",
    "textile goods invoice", "seafood import payment", "electronic components order", "port handling charges",
    "insurance premium cargo", "loan repayment installment", "commission for brokerage", "rent for office premises",
    "mining equipment lease", "cement delivery contract", "timber and wood products", "fishing gear purchase",
    "general cargo freight", "trading company settlement", "tanker charter hire", "crew wages july",
    "dry bulk freight", "petroleum products contract", "heavy fuel oil", "iron ore shipment", "oil tanker hire",
    "ship repair services", "cotton yarn purchase", "medical supplies", "pharmaceutical products", "sugar cargo",
    "rice and flour shipment", "vehicle spare parts", "bank charges", "customs duties", "software licence fee",
]


K_INI_CLASS = {"k": "k", "kk": "k", "k'": "k", "t": "t", "tt": "t", "t'": "t", "p": "p", "pp": "p", "p'": "p",
               "ch": "c", "tch": "c", "ch'": "c", "s": "s", "ss": "s", "h": "h", "m": "m", "n": "n", "r": "r", "": ""}
K_VOW_CLASS = {"o'": "o", "u": "o", "u'": "o", "yo'": "yo", "yu": "yo", "wo'": "o", "wo": "o", "u'i": "i", "ui": "i",
               "ae": "e", "yae": "e", "ye": "e", "oe": "e", "we": "e", "wae": "e"}


def korean_key(name):
    """Romanisation-neutral syllable classes of a Korean-shaped name, sorted
    (so order and spacing do not matter), or None."""
    out = []
    for w in re.split(r"[\s,\-]+", name.lower()):
        w = re.sub(r"[^a-z'’]", "", w)
        if not w:
            continue
        syl = parse_syllables(w)
        if not syl:
            return None
        for n, (i, v, f) in enumerate(syl):
            i = K_INI_CLASS.get(i, i)
            v = K_VOW_CLASS.get(v, v)
            if n == 0 and i in ("r", "n", ""):
                i = "r"
            out.append(i + v + ("n" if f in ("n", "ng") else f))
    return tuple(sorted(out)) if out else None


def person_tokens(name):
    return {re.sub(r"(a|y|iy|ij|yy)$", "", t) for t in re.findall(r"[a-z]+", fold_words(name))}


def fold_words(s):
    s = unicodedata.normalize("NFKD", s.lower())
    return re.sub(r"[^a-z ]", " ", s.replace("kh", "h").replace("y", "i").replace("j", "i"))


def negatives(n_each):
    """Names of the same shape that are not listed. A negative equal to a
    listed name up to romanisation, order and spacing (Korean), or whose
    words all appear in one listed name (given name + family name of a
    listed person: a homonym), is dropped - screening must flag those."""
    rnd = random.Random(SEED + 7)
    listed = set()
    kor_keys = set()
    person_sets = []
    for e in list(un_entries()) + list(ofac_entries()) + list(eu_entries()):
        listed.add(fold(e["name"]))
        ws = e["name"].replace(",", " ").split()
        listed.add(fold(" ".join(reversed(ws))))
        if e["kind"] == "person":
            k = korean_key(e["name"])
            if k:
                kor_keys.add(k)
            person_sets.append(person_tokens(respell_latin(e["name"])))
    rows = []

    def add(kind, q, schema):
        if fold(q) in listed:
            return
        if kind == "korean-person" and korean_key(q) in kor_keys:
            return
        if kind == "russian-person":
            qt = person_tokens(respell_latin(q))
            if any(qt <= s for s in person_sets):
                return
        rows.append((kind, None, q, schema, "negative"))

    # Korean personal names in the DPRK and in Western spellings.
    for i in range(n_each):
        fam = rnd.choice(KOR_SURNAMES)
        g = [rnd.choice(KOR_GIVEN) for _ in range(rnd.choice([2, 2, 2, 1]))]
        if rnd.random() < 0.3:
            fam = cap(render(parse_syllables(fam.lower())[0], "rr", rnd, True)) or fam
            g = [render(parse_syllables(x)[0], "rr", rnd, k == 0) for k, x in enumerate(g)]
        sep = rnd.choice(["-", " ", ""])
        add("korean-person", f"{fam} {cap(sep.join(g))}", "Person")
    for i in range(n_each):
        g, f = rnd.choice(RU_GIVEN), rnd.choice(RU_FAMILY)
        if g.endswith("a") and not g.endswith("ya") and g not in ("Ilya",):
            f = f + "a"
        q = f"{g} {f}" if rnd.random() < 0.5 else f"{to_cyrillic(f)} {to_cyrillic(g)}"
        add("russian-person", q, "Person")
    for i in range(n_each):
        q = f"{rnd.choice(FIRM_WORDS)} {rnd.choice(FIRM_TRADE)} {rnd.choice(FIRM_FORM)}"
        if rnd.random() < 0.4:
            q = "Korea " + q
        add("firm", q, "Organization")
    for line in REMITTANCE:
        add("remittance", line, "")
    return rows


CYR_LAT = {"а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
           "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
           "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
           "э": "e", "ю": "yu", "я": "ya"}


def respell_latin(q):
    return "".join(CYR_LAT.get(c, c) for c in q.lower())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", choices=["un", "ofac"])
    ap.add_argument("--negatives", action="store_true")
    ap.add_argument("--per-class", type=int, default=40, help="most queries per (kind, class)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if not os.path.isdir(DATA):
        print(f"error: {DATA} not found", file=sys.stderr)
        return 2
    rows = negatives(args.per_class * 4) if args.negatives else build(args.source, args.per_class)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["qid", "kind", "entity_id", "listed_name", "query", "schema", "transforms"])
        for i, (kind, e, q, schema, cls) in enumerate(rows):
            w.writerow([i, kind, e["id"] if e else "", e["name"] if e else "", q, schema, cls])
    print(f"{args.out}: {len(rows)} queries", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
