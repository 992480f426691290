//! Name normalisation: Unicode folding, transliteration, tokenisation and the
//! comparison keys the index and matcher use.
//!
//! Pipeline for one name string:
//! 1. NFKC, then script-aware transliteration to ASCII: Cyrillic by a table
//!    (Russian BGN-style; words with і/ї/є/ґ use Ukrainian values, so
//!    Володимир → volodymyr), Hangul syllable by syllable in the McCune–
//!    Reischauer-without-diacritics style DPRK names are published in
//!    (김정은 → kim jong un), Han one syllable per character, everything else
//!    (Latin diacritics, Greek, Arabic, Armenian, Georgian, kana...) through
//!    `any_ascii`.
//! 2. Lower-case; apostrophes dropped (O'Neil → oneil); other punctuation
//!    splits tokens.
//! 3. Each token gets a *skeleton* (spelling-variant-insensitive form:
//!    kh→h, w→v, y→i, z→s, ou→u, eo→o, doubled letters collapsed...) and a
//!    *phonetic key* (first letter + consonant skeleton), and a class:
//!    legal form (ООО = OOO = LLC), title, particle, patronymic, number,
//!    generic word. Number words and Roman numerals become digits so
//!    "Snow Storm II" and "Snow Storm 2" agree and "…1" vs "…2" can be caught.

use unicode_normalization::UnicodeNormalization;

/// What a token is, for weighting and guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenClass {
    Normal,
    /// A legal form, mapped to a canonical symbol (see [`ORG_CLASSES`]).
    OrgClass(&'static str),
    /// Honorifics and titles; ignored for matching.
    Title,
    /// Name particles (al, bin, de, van...) and stopwords (of, the, and).
    Particle,
    /// East-Slavic patronymic (…ovich, …ovna).
    Patronymic,
    /// A single letter in a person name (middle initial).
    Initial,
    /// Contains digits (after number-word conversion).
    Number,
    /// Words common in organisation names (international, trading, group...).
    Generic,
}

/// A prepared token.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// ASCII lower-case form.
    pub text: String,
    /// Spelling-variant-insensitive form.
    pub skel: String,
    /// First letter + consonant skeleton.
    pub phon: String,
    /// Given-name / Korean-syllable variant group, if any.
    pub group: Option<u16>,
    pub class: TokenClass,
    /// Consonant skeleton for comparing with abjad-script spellings.
    pub cons: String,
    /// Hashes of `text` and `skel`, so unequal tokens are told apart
    /// without comparing strings (the matcher's innermost test).
    pub text_h: u64,
    pub skel_h: u64,
    /// Korean syllables (romanisation-independent classes) when the word
    /// reads as a romanised or Kontsevich-Cyrillic Korean name word.
    pub kor: Option<Box<[crate::korean::Syl]>>,
    /// The Hangul or Han character the word was read from, when the whole
    /// name is written in those scripts: two such words compare by glyph
    /// (정 ≠ 종 although both romanise as "jong").
    pub glyph: Option<char>,
}

fn h64(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    s.hash(&mut h);
    h.finish()
}

impl Token {
    /// Weight of the token in name scores: meaningful tokens 1.0, generic
    /// words and particles much less, titles nothing.
    pub fn weight(&self) -> f32 {
        match self.class {
            TokenClass::Normal | TokenClass::Number => 1.0,
            TokenClass::Patronymic => 0.5,
            TokenClass::Initial => 0.2,
            TokenClass::Generic => 0.35,
            TokenClass::Particle => 0.25,
            TokenClass::OrgClass(_) | TokenClass::Title => 0.0,
        }
    }
}

/// A prepared name: its tokens and whole-name keys.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedName {
    /// The ASCII, lower-case, space-joined form.
    pub ascii: String,
    /// Tokens that take part in matching (legal forms and titles removed).
    pub tokens: Vec<Token>,
    /// Canonical legal-form symbols found in the name.
    pub org_classes: Vec<&'static str>,
    /// Skeletons of all matching tokens concatenated without spaces, to
    /// catch joined/split words (Jong Un / Jongun).
    pub joined: String,
    /// The name was written in an abjad (Arabic, Persian, Urdu, Hebrew
    /// script), whose transliteration carries consonants only.
    pub abjad: bool,
    /// Written "FAMILY, Given" (OFAC/UN style): the family name comes first.
    pub family_first: bool,
    /// Every name word reads as Korean syllables (see [`crate::korean`]).
    pub korean: bool,
    /// All name words but one read as Korean syllables (the other may be a
    /// typo), and there are at least two.
    pub korean_loose: bool,
    /// Payment abbreviations expanded while preparing ("trdg" → "trading").
    pub expanded: Vec<(String, &'static str)>,
    /// A title preceded the name ("President Erdoğan").
    pub titled: bool,
}

/// Transliterates any string to ASCII (see module docs).
pub fn to_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let nfkc: String = s.nfkc().collect();
    // Decide per word whether Cyrillic is Ukrainian.
    for (wi, word) in nfkc.split_inclusive(|c: char| c.is_whitespace()).enumerate() {
        let _ = wi;
        let ukr = word.chars().any(|c| matches!(c, 'і' | 'ї' | 'є' | 'ґ' | 'І' | 'Ї' | 'Є' | 'Ґ'));
        for c in word.chars() {
            let lc = c.to_lowercase().next().unwrap_or(c);
            if ('\u{0400}'..='\u{04FF}').contains(&lc) {
                out.push_str(cyrillic(lc, ukr));
            } else if ('\u{AC00}'..='\u{D7A3}').contains(&c) {
                hangul(c, &mut out);
                out.push(' ');
            } else if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
                out.push(' ');
                out.push_str(any_ascii::any_ascii_char(c));
                out.push(' ');
            } else if c.is_ascii() {
                out.push(c);
            } else {
                out.push_str(any_ascii::any_ascii_char(c));
            }
        }
    }
    out
}

fn cyrillic(c: char, ukr: bool) -> &'static str {
    match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => {
            if ukr {
                "h"
            } else {
                "g"
            }
        }
        'ґ' => "g",
        'д' => "d",
        'е' => "e",
        'ё' => "e",
        'є' => "ye",
        'ж' => "zh",
        'з' => "z",
        'и' => {
            if ukr {
                "y"
            } else {
                "i"
            }
        }
        'і' => "i",
        'ї' => "yi",
        'й' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ў' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'э' => "e",
        'ю' => "yu",
        'я' => "ya",
        'ј' => "j",
        'љ' => "lj",
        'њ' => "nj",
        'ћ' => "c",
        'ђ' => "dj",
        'џ' => "dz",
        'ѓ' => "gj",
        'ќ' => "kj",
        'ѕ' => "dz",
        _ => "",
    }
}

/// Romanises one Hangul syllable (DPRK / McCune–Reischauer style without
/// breves or apostrophes).
fn hangul(c: char, out: &mut String) {
    const INI: [&str; 19] =
        ["k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"];
    const VOW: [&str; 21] = [
        "a", "ae", "ya", "yae", "o", "e", "yo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "u",
        "ui", "i",
    ];
    const FIN: [&str; 28] = [
        "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t", "ng",
        "t", "t", "k", "t", "p", "t",
    ];
    let s = c as u32 - 0xAC00;
    let (l, v, t) = ((s / 588) as usize, ((s % 588) / 28) as usize, (s % 28) as usize);
    out.push_str(INI[l]);
    out.push_str(VOW[v]);
    out.push_str(FIN[t]);
}

/// Legal forms: phrase (token sequence) → canonical symbol. Equivalent forms
/// across languages share a symbol (ООО = OOO = LLC = GmbH ≈ limited liability).
pub const ORG_CLASSES: &[(&str, &str)] = &[
    ("gesellschaft mit beschrankter haftung", "LLC"),
    ("societatea cu raspundere limitata", "LLC"),
    ("sociedad de responsabilidad limitada", "LLC"),
    ("societe a responsabilite limitee", "LLC"),
    ("societa a responsabilita limitata", "LLC"),
    ("aktiengesellschaft", "JSC"),
    ("limited liability company", "LLC"),
    ("limited liability partnership", "LLP"),
    ("obshchestvo s ogranichennoi otvetstvennostiu", "LLC"),
    ("obshchestvo s ogranichennoy otvetstvennostyu", "LLC"),
    ("tovarystvo z obmezhenoiu vidpovidalnistiu", "LLC"),
    ("public joint stock company", "JSC"),
    ("closed joint stock company", "JSC"),
    ("open joint stock company", "JSC"),
    ("joint stock company", "JSC"),
    ("aktsionernoe obshchestvo", "JSC"),
    ("sp z o o", "LLC"),
    ("sp z oo", "LLC"),
    ("sp zoo", "LLC"),
    ("co ltd", "LTD"),
    ("pte ltd", "LTD"),
    ("pty ltd", "LTD"),
    ("private limited", "LTD"),
    ("public limited company", "PLC"),
    ("sociedad anonima", "SA"),
    ("societe anonyme", "SA"),
    ("s a", "SA"),
    ("llc", "LLC"),
    ("ooo", "LLC"),
    ("tov", "LLC"),
    ("gmbh", "LLC"),
    ("sarl", "LLC"),
    ("srl", "LLC"),
    ("kft", "LLC"),
    ("doo", "LLC"),
    ("bv", "LLC"),
    ("jsc", "JSC"),
    ("ojsc", "JSC"),
    ("cjsc", "JSC"),
    ("pjsc", "JSC"),
    ("ao", "JSC"),
    ("oao", "JSC"),
    ("zao", "JSC"),
    ("pao", "JSC"),
    ("pat", "JSC"),
    ("prat", "JSC"),
    ("ag", "JSC"),
    ("sa", "SA"),
    ("spa", "SA"),
    ("nv", "SA"),
    ("ltd", "LTD"),
    ("limited", "LTD"),
    ("plc", "PLC"),
    ("inc", "INC"),
    ("incorporated", "INC"),
    ("corp", "CORP"),
    ("corporation", "CORP"),
    ("co", "CO"),
    ("company", "CO"),
    ("cie", "CO"),
    ("llp", "LLP"),
    ("lp", "LP"),
    ("fze", "FZE"),
    ("fzco", "FZE"),
    ("fzc", "FZE"),
    ("rue", "SOE"),
    ("fgup", "SOE"),
    ("gup", "SOE"),
    ("mup", "SOE"),
    ("oy", "LLC"),
    ("ab", "JSC"),
    ("as", "JSC"),
    ("sdn bhd", "LTD"),
    ("bhd", "LTD"),
];

/// [`ORG_CLASSES`] split into words once.
fn org_phrases() -> &'static [(Vec<&'static str>, &'static str)] {
    static P: std::sync::OnceLock<Vec<(Vec<&'static str>, &'static str)>> = std::sync::OnceLock::new();
    P.get_or_init(|| ORG_CLASSES.iter().map(|(p, s)| (p.split(' ').collect(), *s)).collect())
}

/// Legal-form symbols that are close enough to count as the same form.
pub fn org_classes_compatible(a: &str, b: &str) -> bool {
    let fam = |s: &str| match s {
        "LLC" | "LTD" | "LLP" | "LP" | "INC" | "CORP" | "CO" | "FZE" | "PLC" => 1,
        "JSC" | "SA" => 2,
        _ => 3,
    };
    a == b || fam(a) == fam(b)
}

const TITLES: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "prof",
    "professor",
    "sir",
    "lord",
    "dame",
    "president",
    "presidente",
    "prasident",
    "praesident",
    "presiden",
    "predsjednik",
    "presedintele",
    "presedinte",
    "prezydent",
    "prezident",
    "elnok",
    "mv",
    "mt",
    "general",
    "colonel",
    "col",
    "lt",
    "major",
    "captain",
    "capt",
    "admiral",
    "mullah",
    "mulla",
    "haji",
    "hajji",
    "alhaj",
    "sheikh",
    "shaykh",
    "shaikh",
    "maulavi",
    "mawlawi",
    "maulvi",
    "qari",
    "imam",
    "emir",
    "amir",
    "excellency",
    "his",
    "her",
    "hon",
    "honourable",
    "minister",
    "senator",
    "deputy",
    "gen",
    "brig",
    "rev",
];

const PARTICLES: &[&str] = &[
    "of", "the", "and", "for", "de", "del", "della", "der", "den", "van", "von", "la", "le", "les", "da", "do", "dos",
    "das", "di", "du", "bin", "ibn", "bint", "al", "el", "ul", "ud", "y", "e", "et", "und",
];

const GENERIC: &[&str] = &[
    "international",
    "trading",
    "trade",
    "group",
    "holding",
    "holdings",
    "industries",
    "industry",
    "industrial",
    "enterprise",
    "enterprises",
    "services",
    "service",
    "shipping",
    "global",
    "general",
    "national",
    "investment",
    "investments",
    "development",
    "management",
    "import",
    "export",
    "commercial",
    "bank",
    "foundation",
    "organization",
    "organisation",
    "association",
    "partners",
    "ventures",
    "resources",
    "solutions",
    "systems",
    "technologies",
    "technology",
    "logistics",
    "marine",
    "maritime",
    "petroleum",
    "oil",
    "gas",
    "energy",
    "construction",
    "engineering",
    "consulting",
    "agency",
    "center",
    "centre",
    "institute",
    "society",
    "union",
    "office",
    "branch",
    "network",
    "charity",
    "fund",
    "plant",
    "factory",
    "works",
    "exchange",
    "money",
    "finance",
    "financial",
    "capital",
    "airlines",
    "air",
    "line",
    "lines",
    "transport",
    "first",
    "new",
    "state",
    "republic",
    "federal",
    "scientific",
    "research",
    "production",
    "manufacturing",
    "joint",
    "venture",
    "tech",
    "pharma",
];

/// Variant groups: spellings of the same given name / Korean syllable that
/// transliteration skeletons alone do not unify.
const GROUPS: &[&[&str]] = &[
    &["vladimir", "wladimir", "volodymyr", "volodimir", "uladzimir", "vladimer", "wlodzimierz"],
    &[
        "aleksandr",
        "alexander",
        "alexandr",
        "oleksandr",
        "aleksander",
        "alexandre",
        "aliaksandr",
        "alyaksandr",
        "alessandro",
        "alexandros",
        "aleksandar",
        "alejandro",
        "sasha",
    ],
    &["sergei", "sergey", "serhiy", "serhii", "sergej", "siarhei", "sergiy", "sergio"],
    &["dmitry", "dmitri", "dmytro", "dzmitry", "dimitri", "dmitrii", "dmitriy"],
    &["yuri", "yury", "iurii", "yuriy", "jurij", "juri", "yurii", "iouri", "georgy", "georgiy", "heorhiy"],
    &["mikhail", "michael", "mykhailo", "michail", "mikhal", "michal", "michel", "miguel"],
    &["alexei", "aleksey", "alexey", "oleksiy", "oleksii", "aliaksei", "aleksei", "alexej"],
    &["nikolai", "nikolay", "mykola", "nicholas", "nikolaj", "nicolas", "nicola"],
    &["pyotr", "petr", "petro", "peter", "pietro", "pierre", "pedro"],
    &["andrei", "andrey", "andriy", "andrii", "andrew", "andreas", "andrej", "andre"],
    &["evgeny", "yevgeny", "yevgeniy", "evgenii", "yevhen", "eugene", "evgeni", "jewgeni"],
    &["igor", "ihor"],
    &["grigory", "hryhoriy", "gregory", "grigori", "grigoriy"],
    &["ivan", "ivan", "john", "johann", "juan", "giovanni", "jean", "ioannis"],
    &["joseph", "iosif", "josef", "jose", "giuseppe", "yosef", "yusuf", "youssef", "yousef", "yusef"],
    &[
        "muhammad",
        "mohammed",
        "mohammad",
        "mohamed",
        "muhammed",
        "mohamad",
        "mehmet",
        "mokhammed",
        "mohamud",
        "mahomed",
        "mhmd",
    ],
    &["ahmed", "ahmad", "akhmed", "ahmet"],
    &["abdul", "abdel", "abd", "abdoul", "abdal", "abdol"],
    &["osama", "usama", "ousama"],
    &["hussein", "husain", "hussain", "husayn", "hossein", "huseyn"],
    &["ali", "aly"],
    &["al", "el", "ul"],
    &["omar", "umar", "omer"],
    &["kim", "gim"],
    &["ri", "lee", "yi", "rhee", "li", "i"],
    &["pak", "park", "bak"],
    &["choe", "choi", "chwe"],
    &["jong", "jeong", "chong", "jung", "chung"],
    &["un", "eun"],
    &["song", "seong", "sung"],
    &["kang", "gang"],
    &["jang", "chang"],
    &["jo", "cho"],
    &["hyon", "hyeon", "hyun"],
    &["yong", "yeong", "young"],
    &["chol", "cheol", "chul"],
    &["myong", "myeong", "myung"],
    &["yun", "yoon"],
    &["kwang", "gwang"],
    &["sok", "seok", "suk"],
    &["ku", "gu", "koo"],
    &["kil", "gil"],
    &["kyong", "kyeong", "kyung", "gyeong"],
    &["tae", "dae"],
];

/// Number words and Roman numerals → digits.
fn number_word(t: &str) -> Option<&'static str> {
    Some(match t {
        "one" | "first" | "1st" => "1",
        "two" | "second" | "2nd" | "ii" => "2",
        "three" | "third" | "3rd" | "iii" => "3",
        "four" | "fourth" | "4th" | "iv" => "4",
        "five" | "fifth" | "5th" => "5",
        "six" | "sixth" | "6th" => "6",
        "seven" | "seventh" | "7th" | "vii" => "7",
        "eight" | "eighth" | "8th" | "viii" => "8",
        "nine" | "ninth" | "9th" => "9",
        "ten" | "tenth" | "10th" => "10",
        "eleven" => "11",
        "twelve" => "12",
        _ => return None,
    })
}

/// Spelling-variant-insensitive form of an ASCII lower-case token.
pub fn skeleton(t: &str) -> String {
    let b = t.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let (emit, adv): (&[u8], usize) = if rest.starts_with(b"shch") {
            (b"sh", 4)
        } else if rest.starts_with(b"sch") {
            (b"sh", 3)
        } else if rest.starts_with(b"tch") || rest.starts_with(b"tsch") {
            (b"ch", if rest[1] == b's' { 4 } else { 3 })
        } else if rest.starts_with(b"dzh") {
            (b"j", 3)
        } else if rest.starts_with(b"zh") || rest.starts_with(b"dj") {
            (b"j", 2)
        } else if rest.starts_with(b"kh") || rest.starts_with(b"gh") {
            (b"h", 2)
        } else if rest.starts_with(b"ph") {
            (b"f", 2)
        } else if rest.starts_with(b"th") {
            (b"t", 2)
        } else if rest.starts_with(b"ck") {
            (b"k", 2)
        } else if rest.starts_with(b"ou") || rest.starts_with(b"oo") {
            (b"u", 2)
        } else if rest.starts_with(b"ee") || rest.starts_with(b"ie") && rest.len() == 2 {
            (b"i", 2)
        } else if rest.starts_with(b"eo") {
            (b"o", 2)
        } else if rest.starts_with(b"eu") {
            (b"u", 2)
        } else if rest.starts_with(b"ts") && i > 0 {
            (b"s", 2)
        } else {
            let c = rest[0];
            let m: &[u8] = match c {
                b'w' => b"v",
                b'y' | b'j' => b"i",
                b'z' => b"s",
                b'c' => b"k",
                b'q' => b"k",
                b'x' => b"ks",
                _ => std::slice::from_ref(&rest[0]),
            };
            (m, 1)
        };
        for &e in emit {
            if out.last() != Some(&e) {
                out.push(e);
            }
        }
        i += adv;
    }
    // "iy"/"ii" endings already collapsed by y→i + dedupe.
    String::from_utf8(out).unwrap_or_default()
}

/// First letter plus the consonants of the skeleton (h and vowels dropped).
pub fn phonetic(skel: &str) -> String {
    let mut out = String::new();
    for (i, c) in skel.chars().enumerate() {
        if i == 0 {
            out.push(c);
            continue;
        }
        if matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'h') {
            continue;
        }
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// Consonant skeleton: vowels, y and w dropped, v→f and p→b (Arabic has
/// neither), doubled letters collapsed. Used only when one side of a
/// comparison was written in an abjad script.
pub fn consonants(skel: &str) -> String {
    let mut out = String::new();
    for c in skel.chars() {
        let c = match c {
            'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'w' => continue,
            'v' => 'f',
            'p' => 'b',
            o => o,
        };
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

fn is_abjad(c: char) -> bool {
    ('\u{0590}'..='\u{08FF}').contains(&c)
        || ('\u{FB1D}'..='\u{FDFF}').contains(&c)
        || ('\u{FE70}'..='\u{FEFF}').contains(&c)
}

/// What the fixed word lists say about a word, looked up in one hash probe
/// (the lists are scanned once, at first use).
#[derive(Default, Clone, Copy)]
struct Lex {
    title: bool,
    particle: bool,
    generic: bool,
    org_word: bool,
    /// First word of some legal-form phrase.
    org_start: bool,
    group: Option<u16>,
}

fn lexicon() -> &'static rustc_hash::FxHashMap<&'static str, Lex> {
    static L: std::sync::OnceLock<rustc_hash::FxHashMap<&'static str, Lex>> = std::sync::OnceLock::new();
    L.get_or_init(|| {
        let mut m: rustc_hash::FxHashMap<&'static str, Lex> = rustc_hash::FxHashMap::default();
        for w in TITLES {
            m.entry(w).or_default().title = true;
        }
        for w in PARTICLES {
            m.entry(w).or_default().particle = true;
        }
        for w in GENERIC {
            m.entry(w).or_default().generic = true;
        }
        for (p, _) in ORG_CLASSES {
            if !p.contains(' ') {
                m.entry(p).or_default().org_word = true;
            }
            if let Some(first) = p.split(' ').next() {
                m.entry(first).or_default().org_start = true;
            }
        }
        for (i, g) in GROUPS.iter().enumerate() {
            for w in g.iter() {
                let e = m.entry(w).or_default();
                if e.group.is_none() {
                    e.group = Some(i as u16);
                }
            }
        }
        m
    })
}

/// The spellings of a variant group (see [`Token::group`]).
pub fn group_members(g: u16) -> &'static [&'static str] {
    if g >= 1000 {
        crate::korean::SURNAMES.get((g - 1000) as usize).copied().unwrap_or(&[])
    } else {
        GROUPS.get(g as usize).copied().unwrap_or(&[])
    }
}

fn group_of(t: &str) -> Option<u16> {
    lexicon().get(t).and_then(|l| l.group).or_else(|| crate::korean::surname_group(t).map(|g| 1000 + g as u16))
}

fn is_patronymic(t: &str) -> bool {
    t.len() > 6
        && [
            "ovich", "evich", "ovna", "evna", "ichna", "ovych", "evych", "ivna", "yevich", "ievich", "ovitch", "ovic",
            "evic", "ovici", "evici", "ovitj", "evitj", "ovitx", "owitsch", "ewitsch", "owicz", "ewicz", "owitsj",
            "ewitsj", "ovics", "evics", "avich", "ovitsj", "evitsj", "ovitš",
        ]
        .iter()
        .any(|s| t.ends_with(s))
}

/// Splits ASCII text into lower-case word tokens.
pub fn words(ascii: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            cur.push(c.to_ascii_lowercase());
        } else if matches!(c, '\'' | '`' | '’' | '"') {
            // O'Neil, Ma'ruf: drop apostrophes inside words.
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Prepares a name for matching. `person` enables patronymic/title handling
/// and disables legal-form extraction.
pub fn prepare(name: &str, person: bool) -> PreparedName {
    prepare_words(name, base_words(name), person)
}

/// `(prepare(name, true), prepare(name, false))`, transliterating and
/// splitting the name once (a query is compared in both forms).
pub fn prepare_both(name: &str) -> (PreparedName, PreparedName) {
    let ws = base_words(name);
    (prepare_words(name, ws.clone(), true), prepare_words(name, ws, false))
}

/// The words of a name before the person/organisation-specific steps:
/// transliterated, split, leetspeak read as letters, letters and digits
/// split apart.
fn base_words(name: &str) -> Vec<String> {
    let ascii = to_ascii(name);
    let mut ws = words(&ascii);
    // Leetspeak inside words ("Sech1n", "Ig0r"): a digit between letters.
    for w in ws.iter_mut() {
        let b = w.as_bytes();
        let letters = b.iter().filter(|c| c.is_ascii_alphabetic()).count();
        if letters >= 2
            && b.len() >= 3
            && (1..b.len() - 1)
                .any(|i| b[i].is_ascii_digit() && b[i - 1].is_ascii_alphabetic() && b[i + 1].is_ascii_alphabetic())
        {
            *w = w
                .chars()
                .map(|c| match c {
                    '0' => 'o',
                    '1' => 'i',
                    '3' => 'e',
                    '4' => 'a',
                    '5' => 's',
                    '7' => 't',
                    '9' => 'g',
                    o => o,
                })
                .collect();
        }
    }
    // Split letter/digit boundaries: "storm1" → "storm 1".
    ws = ws
        .into_iter()
        .flat_map(|w| {
            let mut parts = Vec::new();
            let mut cur = String::new();
            let mut last_digit = None;
            for c in w.chars() {
                let d = c.is_ascii_digit();
                if last_digit.is_some() && last_digit != Some(d) && !cur.is_empty() && cur.len() > 1 {
                    parts.push(std::mem::take(&mut cur));
                }
                cur.push(c);
                last_digit = Some(d);
            }
            if !cur.is_empty() {
                parts.push(cur);
            }
            parts
        })
        .collect();
    ws
}

/// [`prepare`] from the [`base_words`] of `name`.
fn prepare_words(name: &str, mut ws: Vec<String>, person: bool) -> PreparedName {
    // Dotted acronyms in organisation names: "L.L.C." → "llc", "U.S." → "us".
    if !person {
        let mut merged: Vec<String> = Vec::with_capacity(ws.len());
        let mut run: Vec<String> = Vec::new();
        // A run of single letters is an acronym ("U S" → "us"), but a legal
        // form at its end stays separate ("Partners V L.P." → "v", "lp").
        let flush = |run: &mut Vec<String>, merged: &mut Vec<String>| {
            if run.is_empty() {
                return;
            }
            let split = (1..run.len().saturating_sub(1))
                .find(|&k| ORG_CLASSES.iter().any(|(p, _)| *p == run[k..].concat()))
                .unwrap_or(0);
            merged.extend(run[..split].iter().cloned());
            merged.push(run[split..].concat());
            run.clear();
        };
        for w in ws {
            if w.len() == 1 && w.as_bytes()[0].is_ascii_alphabetic() {
                run.push(w);
                continue;
            }
            flush(&mut run, &mut merged);
            merged.push(w);
        }
        flush(&mut run, &mut merged);
        ws = merged;
    }
    // Firm names: one spelling for country names ("D.P.R.K." = "North
    // Korea" = "dprk") and payment abbreviations spelt out ("TRDG").
    let mut expanded = Vec::new();
    if !person {
        ws = replace_phrases(ws, crate::lexicon::COUNTRY_VARIANTS);
        if ws.len() > 1 {
            let mut out = Vec::with_capacity(ws.len() + 2);
            for w in ws {
                match crate::lexicon::expand_abbreviation(&w) {
                    Some(full) => {
                        out.extend(full.split(' ').map(str::to_string));
                        expanded.push((w, full));
                    }
                    None => out.push(w),
                }
            }
            ws = out;
        }
    }
    // Korean names written in Russian Cyrillic (Kontsevich) are read from the
    // Cyrillic itself: its н is ㄴ or ㅇ, which the Latin transliteration loses.
    // (Only person names are read as Korean: see `kor` below.)
    let cyr_kor: Option<Vec<Option<Vec<crate::korean::Syl>>>> =
        if person && name.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c)) {
            let nfkc: String = name.nfkc().collect();
            let v: Vec<Option<Vec<crate::korean::Syl>>> = nfkc
                .split(|c: char| !c.is_alphanumeric() && !matches!(c, '\'' | '’' | 'ʼ'))
                .filter(|w| !w.is_empty())
                .map(|w| crate::korean::parse_cyrillic(&w.replace(['\'', '’', 'ʼ'], "")))
                .collect();
            (v.len() == ws.len()).then_some(v)
        } else {
            None
        };
    let mut org_classes = Vec::new();
    let mut tokens = Vec::new();
    let mut titled = false;
    let mut i = 0;
    'outer: while i < ws.len() {
        if !person && ws.len() > 1 && lexicon().get(ws[i].as_str()).is_some_and(|l| l.org_start) {
            for (phrase, sym) in org_phrases() {
                let n = phrase.len();
                if phrase[0] == ws[i]
                    && i + n <= ws.len()
                    && ws[i..i + n].iter().map(String::as_str).eq(phrase.iter().copied())
                {
                    // Keep a lone legal-form word if it is the whole name.
                    org_classes.push(*sym);
                    i += n;
                    continue 'outer;
                }
            }
        }
        let w = &ws[i];
        let wi = i;
        i += 1;
        let lex = lexicon().get(w.as_str()).copied().unwrap_or_default();
        let (text, class) = if let Some(n) = number_word(w) {
            (n.to_string(), TokenClass::Number)
        } else if w.chars().any(|c| c.is_ascii_digit()) {
            (w.trim_start_matches('0').to_string(), TokenClass::Number)
        } else if lex.title && ws.len() > 1 {
            (w.clone(), TokenClass::Title)
        } else if lex.particle || (person && lex.org_word && ws.len() > 2) {
            // A legal-form word inside a person name ("Nicolás Maduro SA") is noise.
            (w.clone(), TokenClass::Particle)
        } else if person && w.len() == 1 {
            (w.clone(), TokenClass::Initial)
        } else if person && is_patronymic(w) {
            (w.clone(), TokenClass::Patronymic)
        } else if !person && lex.generic {
            (w.clone(), TokenClass::Generic)
        } else {
            (w.clone(), TokenClass::Normal)
        };
        let text = if text.is_empty() { "0".to_string() } else { text };
        if class == TokenClass::Title {
            titled = true;
            continue;
        }
        let skel = if class == TokenClass::Number { text.clone() } else { skeleton(&text) };
        let phon = phonetic(&skel);
        // Korean syllables matter for person names only (see `korean` below).
        let kor = if person && matches!(class, TokenClass::Normal | TokenClass::Initial | TokenClass::Particle) {
            cyr_kor
                .as_ref()
                .and_then(|v| v[wi].clone())
                .or_else(|| crate::korean::parse_latin(&text))
                .map(Vec::into_boxed_slice)
        } else {
            None
        };
        tokens.push(Token {
            kor,
            glyph: None,
            group: group_of(&text),
            cons: consonants(&skel),
            text_h: h64(&text),
            skel_h: h64(&skel),
            text,
            skel,
            phon,
            class,
        });
    }
    if tokens.is_empty() && !org_classes.is_empty() {
        // The name is only a legal form ("Company"): keep it as a generic token.
        for w in &ws {
            let skel = skeleton(w);
            tokens.push(Token {
                text: w.clone(),
                phon: phonetic(&skel),
                cons: consonants(&skel),
                text_h: h64(w),
                skel_h: h64(&skel),
                skel,
                group: None,
                class: TokenClass::Generic,
                kor: None,
                glyph: None,
            });
        }
        org_classes.clear();
    }
    // A Korean name: every name word reads as Korean syllables. One-letter
    // Korean family names (O, U, I) are names there, not initials.
    // A Korean name has a Korean family name: a one-syllable first or last word.
    let family = |t: &Token| {
        t.kor.as_deref().is_some_and(crate::korean::is_family_syllable)
            || crate::korean::surname_group(&t.text).is_some()
    };
    let has_family = tokens.first().is_some_and(family) || tokens.last().is_some_and(family);
    let korean = person
        && has_family
        && tokens.iter().any(|t| t.class == TokenClass::Normal)
        && tokens.iter().all(|t| match t.class {
            TokenClass::Normal => t.kor.is_some(),
            TokenClass::Initial | TokenClass::Particle => t.kor.is_some(),
            _ => true,
        })
        && tokens.len() <= 5;
    let normal = tokens.iter().filter(|t| t.class == TokenClass::Normal).count();
    let not_kor = tokens.iter().filter(|t| t.class == TokenClass::Normal && t.kor.is_none()).count();
    let korean_loose = person && !korean && has_family && normal >= 2 && not_kor == 1 && tokens.len() <= 5;
    if korean {
        for t in tokens.iter_mut() {
            if matches!(t.class, TokenClass::Initial | TokenClass::Particle) {
                t.class = TokenClass::Normal;
            }
        }
    }
    // Names written wholly in Hangul or Han: one word per character.
    let cjk = |c: char| ('\u{AC00}'..='\u{D7A3}').contains(&c) || ('\u{4E00}'..='\u{9FFF}').contains(&c);
    if name.chars().any(cjk) && name.chars().all(|c| cjk(c) || !c.is_alphanumeric()) {
        let glyphs: Vec<char> = name.nfkc().filter(|&c| cjk(c)).collect();
        if glyphs.len() == tokens.len() {
            for (t, g) in tokens.iter_mut().zip(glyphs) {
                t.glyph = Some(g);
            }
        }
    }
    let joined = tokens.iter().map(|t| t.skel.as_str()).collect::<String>();
    let abjad = name.chars().any(is_abjad);
    if abjad {
        // و and ي are mostly long vowels: drop them before the consonant skeleton.
        for t in tokens.iter_mut().filter(|t| t.class != TokenClass::Number) {
            t.cons = consonants(&skeleton(&t.text.replace(['w', 'y'], "")));
        }
    }
    let family_first = name.split(',').next().map(|f| f.len() < name.len() && !f.trim().is_empty()).unwrap_or(false);
    PreparedName {
        ascii: ws.join(" "),
        tokens,
        org_classes,
        joined,
        abjad,
        family_first,
        korean,
        korean_loose,
        expanded,
        titled,
    }
}

/// Replaces word sequences by a single word (longest phrase first).
fn replace_phrases(ws: Vec<String>, phrases: &[(&[&str], &str)]) -> Vec<String> {
    if !ws.iter().any(|w| phrases.iter().any(|(p, _)| p[0] == w)) {
        return ws;
    }
    let mut out = Vec::with_capacity(ws.len());
    let mut i = 0;
    while i < ws.len() {
        let hit = phrases
            .iter()
            .filter(|(p, _)| i + p.len() <= ws.len() && ws[i..i + p.len()].iter().zip(p.iter()).all(|(a, b)| a == b))
            .max_by_key(|(p, _)| p.len());
        match hit {
            Some((p, rep)) => {
                out.push(rep.to_string());
                i += p.len();
            }
            None => {
                out.push(ws[i].clone());
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(n: &PreparedName) -> Vec<&str> {
        n.tokens.iter().map(|t| t.text.as_str()).collect()
    }

    #[test]
    fn transliterates_cyrillic_russian_and_ukrainian() {
        assert_eq!(to_ascii("Владимир Путин"), "vladimir putin");
        assert_eq!(to_ascii("Шойгу"), "shoygu");
        assert_eq!(to_ascii("Олексій Гончаренко"), "oleksiy goncharenko");
        assert_eq!(to_ascii("Гліб"), "hlib");
    }

    #[test]
    fn transliterates_hangul_by_syllable() {
        assert_eq!(prepare("김정은", true).ascii, "kim jong un");
        assert_eq!(prepare("리병철", true).ascii, "ri pyong chol");
    }

    #[test]
    fn skeleton_unifies_spellings() {
        assert_eq!(skeleton("shoigu"), skeleton("shoygu"));
        assert_eq!(skeleton("jeong"), skeleton("jong"));
        assert_eq!(skeleton("khodorkovsky"), skeleton("hodorkovskiy"));
        assert_eq!(skeleton("yuriy"), skeleton("yuri"));
        assert_eq!(phonetic(&skeleton("muhammad")), phonetic(&skeleton("mohamed")));
    }

    #[test]
    fn legal_forms_are_symbols() {
        let a = prepare("ООО Ромашка", false);
        let b = prepare("Romashka LLC", false);
        assert_eq!(a.org_classes, vec!["LLC"]);
        assert_eq!(b.org_classes, vec!["LLC"]);
        assert_eq!(texts(&a), texts(&b));
        let c = prepare("Sberbank Public Joint Stock Company", false);
        assert_eq!(c.org_classes, vec!["JSC"]);
    }

    #[test]
    fn prepare_both_is_both_preparations() {
        for n in [
            "Захаров Александр Юрьевич",
            "Ким Чен Ын",
            "김정은",
            "KOREA MINING DEV TRDG CORP",
            "U.S. Sech1n L.L.C.",
            "",
        ] {
            assert_eq!(prepare_both(n), (prepare(n, true), prepare(n, false)), "{n}");
        }
    }

    #[test]
    fn titles_dropped_numbers_canonical() {
        assert_eq!(texts(&prepare("Presidente Vladimir Putin", true)), vec!["vladimir", "putin"]);
        assert_eq!(texts(&prepare("Snow Storm II", false)), vec!["snow", "storm", "2"]);
        assert_eq!(texts(&prepare("Petrel8", false)), vec!["petrel", "8"]);
        assert_eq!(prepare("Vladimirovich", true).tokens[0].class, TokenClass::Patronymic);
    }
}
