//! Korean personal names at syllable level.
//!
//! A romanised Korean word ("Kyong", "Gyeong", "Ch'ŏl" → "chol", "Jolsu") or a
//! word written in Russian Cyrillic by the Kontsevich system ("Кён",
//! "Чхоль") is parsed into syllables, each reduced to three *classes* that do
//! not depend on the romanisation system:
//!
//! * initial: k (k, g, kk, kh, k'), t (t, d, tt, th), p (p, b, pp, ph),
//!   c (ch, j, jj, tch, ch'), s (s, ss, sh), h, m, n, r (r, l), none;
//! * vowel: a, e (ae, e), ya, ye (yae, ye), o (o, eo, ŏ), yo (yo, yeo),
//!   u (u, eu, ŭ, oo), yu, i (i, ee, yi), wa, wo, we (we, wae, oe, oi), wi,
//!   ui (ui, eui, ŭi);
//! * final: none, k, n, ng, l, m, p, t — and "n or ng" for Cyrillic н, which
//!   Kontsevich uses for both.
//!
//! Two syllables are *compatible* when their classes agree, allowing the
//! differences that romanisation systems and Korea's initial-sound rule make:
//! word-initial r/n/none before i/y (Ri = Yi = I = Lee, Ryu = Yu) and r/n
//! (Ro = No), o ↔ u (Chung = Jong, Sung = Song) and n ↔ ng from Cyrillic —
//! each such *soft* difference is counted, so a score can say how far the
//! spellings are apart. The tables below are the whole model; nothing is
//! special-cased per name.

/// One syllable as (initial, vowel, final) class codes.
pub type Syl = [u8; 3];

// Initial classes.
const I_NONE: u8 = 0;
const I_K: u8 = 1;
const I_T: u8 = 2;
const I_P: u8 = 3;
const I_C: u8 = 4;
const I_S: u8 = 5;
const I_H: u8 = 6;
const I_M: u8 = 7;
const I_N: u8 = 8;
const I_R: u8 = 9;

// Vowel classes.
const V_A: u8 = 1;
const V_E: u8 = 2;
const V_YA: u8 = 3;
const V_YE: u8 = 4;
const V_O: u8 = 5;
const V_YO: u8 = 6;
const V_U: u8 = 7;
const V_YU: u8 = 8;
const V_I: u8 = 9;
const V_WA: u8 = 10;
const V_WO: u8 = 11;
const V_WE: u8 = 12;
const V_WI: u8 = 13;
const V_UI: u8 = 14;

// Final classes.
const F_NONE: u8 = 0;
const F_K: u8 = 1;
const F_N: u8 = 2;
const F_NG: u8 = 3;
const F_L: u8 = 4;
const F_M: u8 = 5;
const F_P: u8 = 6;
const F_T: u8 = 7;
/// Cyrillic н: ㄴ or ㅇ.
const F_N_OR_NG: u8 = 8;

/// Latin initials, longest first (apostrophes are dropped before parsing).
const LATIN_INITIALS: &[(&str, u8)] = &[
    ("tch", I_C),
    ("kk", I_K),
    ("kh", I_K),
    ("gg", I_K),
    ("tt", I_T),
    ("th", I_T),
    ("dd", I_T),
    ("pp", I_P),
    ("ph", I_P),
    ("bb", I_P),
    ("ch", I_C),
    ("jj", I_C),
    ("ss", I_S),
    ("sh", I_S),
    ("rh", I_R),
    ("k", I_K),
    ("g", I_K),
    ("t", I_T),
    ("d", I_T),
    ("p", I_P),
    ("b", I_P),
    ("j", I_C),
    ("s", I_S),
    ("h", I_H),
    ("m", I_M),
    ("n", I_N),
    ("r", I_R),
    ("l", I_R),
    ("", I_NONE),
];

/// Latin vowels, longest first.
const LATIN_VOWELS: &[(&str, u8)] = &[
    ("yae", V_YE),
    ("yeo", V_YO),
    ("wae", V_WE),
    ("weo", V_WO),
    ("eui", V_UI),
    ("yeu", V_YU),
    ("ae", V_E),
    ("ai", V_E),
    ("ya", V_YA),
    ("ye", V_YE),
    ("yo", V_YO),
    ("yu", V_YU),
    ("yi", V_I),
    ("eo", V_O),
    ("eu", V_U),
    ("oo", V_U),
    ("ee", V_I),
    ("oe", V_WE),
    ("oi", V_WE),
    ("wa", V_WA),
    ("wo", V_WO),
    ("we", V_WE),
    ("wi", V_WI),
    ("ui", V_UI),
    ("a", V_A),
    ("e", V_E),
    ("o", V_O),
    ("u", V_U),
    ("i", V_I),
];

const LATIN_FINALS: &[(&str, u8)] =
    &[("ng", F_NG), ("n", F_N), ("m", F_M), ("l", F_L), ("k", F_K), ("p", F_P), ("t", F_T), ("", F_NONE)];

/// Kontsevich Cyrillic initials (lower case), longest first.
const CYR_INITIALS: &[(&str, u8)] = &[
    ("чхх", I_C),
    ("чч", I_C),
    ("чж", I_C),
    ("чх", I_C),
    ("дж", I_C),
    ("кк", I_K),
    ("кх", I_K),
    ("тт", I_T),
    ("тх", I_T),
    ("пп", I_P),
    ("пх", I_P),
    ("сс", I_S),
    ("к", I_K),
    ("г", I_K),
    ("т", I_T),
    ("д", I_T),
    ("п", I_P),
    ("б", I_P),
    ("ч", I_C),
    ("с", I_S),
    ("х", I_H),
    ("м", I_M),
    ("н", I_N),
    ("р", I_R),
    ("л", I_R),
    ("", I_NONE),
];

const CYR_VOWELS: &[(&str, u8)] = &[
    ("йя", V_YE),
    ("ый", V_UI),
    ("ва", V_WA),
    ("во", V_WO),
    ("вэ", V_WE),
    ("ве", V_WE),
    ("ви", V_WI),
    ("а", V_A),
    ("э", V_E),
    ("е", V_E),
    ("я", V_YA),
    ("о", V_O),
    ("ё", V_YO),
    ("у", V_U),
    ("ы", V_U),
    ("ю", V_YU),
    ("и", V_I),
];

const CYR_FINALS: &[(&str, u8)] = &[
    ("ль", F_L),
    ("нъ", F_NG),
    ("н", F_N_OR_NG),
    ("м", F_M),
    ("л", F_L),
    ("к", F_K),
    ("п", F_P),
    ("т", F_T),
    ("", F_NONE),
];

/// A table of syllable pieces with, for every byte, the pieces that may
/// start with it (bit `k` = entry `k`; empty pieces match anywhere, also at
/// the end of the word), so a parse tries only pieces that can match, in
/// table order.
struct Pieces {
    table: &'static [(&'static str, u8)],
    first: [u32; 256],
    at_end: u32,
}

impl Pieces {
    fn new(table: &'static [(&'static str, u8)]) -> Pieces {
        assert!(table.len() <= 32, "piece tables fit a u32 mask");
        let mut first = [0u32; 256];
        let mut at_end = 0u32;
        for (k, (p, _)) in table.iter().enumerate() {
            match p.as_bytes().first() {
                Some(&b) => first[b as usize] |= 1 << k,
                None => {
                    at_end |= 1 << k;
                    first.iter_mut().for_each(|m| *m |= 1 << k);
                }
            }
        }
        Pieces { table, first, at_end }
    }

    /// Mask of the entries that may match at the start of `rest`.
    fn candidates(&self, rest: &[u8]) -> u32 {
        rest.first().map_or(self.at_end, |&b| self.first[b as usize])
    }
}

/// The (initials, vowels, finals) piece tables of one script.
struct Script {
    inis: Pieces,
    vows: Pieces,
    fins: Pieces,
}

fn latin() -> &'static Script {
    static S: std::sync::OnceLock<Script> = std::sync::OnceLock::new();
    S.get_or_init(|| Script {
        inis: Pieces::new(LATIN_INITIALS),
        vows: Pieces::new(LATIN_VOWELS),
        fins: Pieces::new(LATIN_FINALS),
    })
}

fn cyrillic() -> &'static Script {
    static S: std::sync::OnceLock<Script> = std::sync::OnceLock::new();
    S.get_or_init(|| Script {
        inis: Pieces::new(CYR_INITIALS),
        vows: Pieces::new(CYR_VOWELS),
        fins: Pieces::new(CYR_FINALS),
    })
}

/// Parses `word` (lower case) into syllables with the given tables: fewest
/// syllables wins; on ties the earlier syllable takes the longer final.
fn parse(word: &str, script: &Script) -> Option<Vec<Syl>> {
    let n = word.len();
    if n == 0 || n > 48 {
        return None;
    }
    let bytes = word.as_bytes();
    // best[i] = (syllable count, first syllable, next position) from byte i.
    let mut best: [Option<(u8, Syl, usize)>; 49] = [None; 49];
    best[n] = Some((0, [0; 3], n));
    // The pieces matching at `rest` that the table offers, in table order:
    // (the rest after the piece, class).
    fn matches<'a>(p: &'a Pieces, rest: &'a [u8]) -> impl Iterator<Item = (&'a [u8], u8)> + 'a {
        let mut mask = p.candidates(rest);
        std::iter::from_fn(move || {
            while mask != 0 {
                let k = mask.trailing_zeros() as usize;
                mask &= mask - 1;
                let (piece, class) = p.table[k];
                if let Some(r) = rest.strip_prefix(piece.as_bytes()) {
                    return Some((r, class));
                }
            }
            None
        })
    }
    for i in (0..n).rev() {
        if !word.is_char_boundary(i) {
            continue;
        }
        let rest = &bytes[i..];
        let mut here: Option<(u8, Syl, usize)> = None;
        for (r1, ic) in matches(&script.inis, rest) {
            for (r2, vc) in matches(&script.vows, r1) {
                for (r3, fc) in matches(&script.fins, r2) {
                    let e = n - r3.len();
                    if let Some((cnt, _, _)) = best[e] {
                        let c = cnt + 1;
                        if here.is_none_or(|h| c < h.0) {
                            here = Some((c, [ic, vc, fc], e));
                        }
                    }
                }
            }
        }
        best[i] = here;
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let (_, s, e) = best[i]?;
        out.push(s);
        i = e;
    }
    Some(out)
}

/// Syllables of a romanised (ASCII, lower-case, apostrophes removed) word.
pub fn parse_latin(word: &str) -> Option<Vec<Syl>> {
    if !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    parse(word, latin())
}

/// Syllables of a Korean name word written in Russian Cyrillic (Kontsevich).
pub fn parse_cyrillic(word: &str) -> Option<Vec<Syl>> {
    let w: String = word.chars().flat_map(char::to_lowercase).collect();
    if !w.chars().all(|c| ('\u{0430}'..='\u{044F}').contains(&c) || c == 'ё') {
        return None;
    }
    parse(&w, cyrillic())
}

fn y_vowel(v: u8) -> bool {
    matches!(v, V_I | V_YA | V_YE | V_YO | V_YU)
}

/// How two syllables differ: `Some(0)` same classes, `Some(k)` compatible
/// with `k` soft differences, `None` different.
fn syl_cmp(a: Syl, b: Syl, word_initial: bool) -> Option<u8> {
    let mut soft = 0u8;
    if a[0] != b[0] {
        let rn = |x: u8| matches!(x, I_R | I_N | I_NONE);
        let ok = if y_vowel(a[1]) || y_vowel(b[1]) {
            // Ri = Yi = I = Lee = Ni; Ryu = Yu; Ryong = Yong = Nyong.
            rn(a[0]) && rn(b[0])
        } else {
            // Ro = No, Ra = Na; between syllables r/n assimilate (Sinram = Sillam).
            matches!((a[0], b[0]), (I_R, I_N) | (I_N, I_R)) || (!word_initial && rn(a[0]) && rn(b[0]))
        };
        if !ok {
            return None;
        }
        soft += 1;
    }
    if a[1] != b[1] {
        let ok =
            matches!((a[1], b[1]), (V_O, V_U) | (V_U, V_O) | (V_YO, V_YU) | (V_YU, V_YO) | (V_E, V_YE) | (V_YE, V_E))
                || matches!(
                    (a[1], b[1]),
                    (V_WE, V_E) | (V_E, V_WE) | (V_UI, V_I) | (V_I, V_UI) | (V_WO, V_O) | (V_O, V_WO)
                );
        if !ok {
            return None;
        }
        soft += 1;
    }
    if a[2] != b[2] {
        let ok = matches!((a[2], b[2]), (F_N_OR_NG, F_N | F_NG) | (F_N | F_NG, F_N_OR_NG));
        if !ok {
            return None;
        }
    }
    Some(soft)
}

/// Compares two syllable sequences. Returns the number of soft differences
/// when every syllable is compatible, or `Err(())` with one *hard*
/// difference allowed when `allow_one` (a typo inside one syllable: one of
/// its three parts differs).
pub fn compare(a: &[Syl], b: &[Syl]) -> Option<Cmp> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let mut soft = 0u8;
    let mut hard = 0u8;
    for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
        match syl_cmp(x, y, i == 0) {
            Some(s) => soft += s,
            None => {
                // One part of one syllable differs (a typo inside a syllable).
                let parts = (0..3).filter(|&k| x[k] != y[k]).count();
                if parts != 1 {
                    return None;
                }
                hard += 1;
            }
        }
    }
    (hard <= 1).then_some(Cmp { soft, hard })
}

/// Result of [`compare`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cmp {
    /// Romanisation-level differences (r/n/none, o/u, n/ng...).
    pub soft: u8,
    /// Syllables with one part differing (typos).
    pub hard: u8,
}

/// A lossy blocking key: initial and vowel class of every syllable, finals
/// n/ng merged, word-initial r/n/none merged, o/u merged.
pub fn key(s: &[Syl]) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for (i, x) in s.iter().enumerate() {
        let ini = if i == 0 && matches!(x[0], I_R | I_N | I_NONE) { b'r' } else { b'a' + x[0] };
        let v = match x[1] {
            V_U => V_O,
            V_YU => V_YO,
            V_YE => V_E,
            V_WE => V_E,
            V_UI => V_I,
            V_WO => V_O,
            o => o,
        };
        let f = match x[2] {
            F_N_OR_NG | F_NG => F_N,
            o => o,
        };
        out.push(ini as char);
        out.push((b'a' + v) as char);
        out.push((b'0' + f) as char);
    }
    out
}

/// Korean family names in their romanisation variants that the syllable
/// classes alone do not unify (Park's r, Choi's i, Roh's h, Woo's w...).
/// Each row is one family name.
pub const SURNAMES: &[&[&str]] = &[
    &["ri", "lee", "yi", "rhee", "li", "i", "rhi", "ni"],
    &["pak", "park", "bak", "pack", "paik"],
    &["paek", "baek", "paik", "baik", "back"],
    &["choe", "choi", "chwe", "choy", "chey"],
    &["ryu", "yu", "yoo", "lyu", "rew", "you"],
    &["ro", "no", "roh", "noh", "rho"],
    &["o", "oh", "ou"],
    &["u", "woo", "wu"],
    &["kim", "gim", "keem"],
    &["rim", "lim", "im", "yim"],
    &["ryom", "yom", "yeom", "yum"],
    &["ryang", "yang"],
    &["ra", "na", "nah", "rah"],
    &["so", "seo", "suh", "soh"],
    &["sin", "shin", "sheen"],
    &["ko", "go", "koh", "goh"],
    &["to", "do", "doh", "toh"],
    &["jo", "cho", "joe", "choh"],
    &["jong", "chong", "jeong", "chung", "jung", "cheong"],
    &["chon", "jeon", "chun", "jun", "jon"],
    &["mun", "moon", "moun"],
    &["kang", "gang"],
    &["ha", "hah"],
    &["song", "sung", "seong"],
    &["son", "sohn"],
    &["yun", "yoon", "youn"],
    &["hyon", "hyun", "hyeon"],
];

/// Korean family names as one romanised syllable each (DPRK, McCune–
/// Reischauer and South Korean spellings; the syllable classes unify the
/// rest). A name reads as Korean only if one of its words is one of these.
pub const FAMILY_SYLLABLES: &[&str] = &[
    "kim", "ri", "lee", "yi", "pak", "park", "choe", "choi", "jong", "jeong", "chung", "kang", "cho", "jo", "yun",
    "jang", "chang", "rim", "lim", "im", "han", "o", "oh", "so", "seo", "sin", "shin", "kwon", "hwang", "an", "ahn",
    "song", "chon", "jeon", "hong", "ryu", "yu", "ko", "mun", "moon", "yang", "ryang", "son", "pae", "bae", "paek",
    "baek", "ho", "heo", "nam", "sim", "ro", "no", "roh", "ha", "kwak", "sung", "cha", "ju", "u", "woo", "ku", "koo",
    "min", "ra", "na", "jin", "chin", "chi", "ji", "om", "eom", "chae", "won", "pang", "bang", "kong", "hyon", "hyun",
    "ham", "pyon", "byun", "ryom", "yom", "yeom", "yo", "chu", "to", "do", "sok", "seok", "sol", "ma", "kil", "gil",
    "yon", "wi", "pyo", "myong", "ki", "ban", "wang", "kum", "ok", "yuk", "in", "maeng", "je", "mo", "thak", "tak",
    "kuk", "guk", "kye", "gye", "tong", "thae", "pong", "bong", "sa", "pu", "yong", "kyong", "ung", "tan", "pi",
];

/// True when `s` (one syllable) is a Korean family name in some spelling.
pub fn is_family_syllable(s: &[Syl]) -> bool {
    static T: std::sync::OnceLock<Vec<Syl>> = std::sync::OnceLock::new();
    let t = T.get_or_init(|| {
        FAMILY_SYLLABLES.iter().filter_map(|w| parse_latin(w)).filter(|v| v.len() == 1).map(|v| v[0]).collect()
    });
    s.len() == 1 && t.iter().any(|f| syl_cmp(*f, s[0], true).is_some_and(|soft| soft <= 1))
}

/// Row of [`SURNAMES`] containing `w`, if any.
pub fn surname_group(w: &str) -> Option<usize> {
    SURNAMES.iter().position(|g| g.contains(&w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) -> bool {
        compare(&parse_latin(a).unwrap(), &parse_latin(b).unwrap()).is_some_and(|c| c.hard == 0)
    }

    #[test]
    fn romanisation_systems_agree() {
        assert!(same("kyongsu", "gyeongsu"));
        assert!(same("chol", "cheol"));
        assert!(same("pyongchol", "byeongjol"));
        assert!(same("tonghyon", "donghyeon"));
        assert!(same("ryong", "yong"));
        assert!(same("ri", "i"));
        assert!(!same("chol", "chan"));
        assert!(!same("kim", "pak"));
    }

    #[test]
    fn kontsevich_cyrillic() {
        let c = parse_cyrillic("Чхоль").unwrap();
        assert!(compare(&c, &parse_latin("chol").unwrap()).is_some_and(|c| c.hard == 0));
        let c = parse_cyrillic("Кёнсу").unwrap();
        assert!(compare(&c, &parse_latin("kyongsu").unwrap()).is_some_and(|c| c.hard == 0));
        let c = parse_cyrillic("Соннам").unwrap();
        assert!(compare(&c, &parse_latin("songnam").unwrap()).is_some_and(|c| c.hard == 0));
        assert!(parse_cyrillic("Владимир").is_none());
    }

    #[test]
    fn one_typo_inside_a_syllable_is_hard() {
        // A slip that breaks the syllable structure no longer reads as Korean.
        assert!(parse_latin("kyomgsu").is_none());
        let c = compare(&parse_latin("yongchol").unwrap(), &parse_latin("yongchok").unwrap()).unwrap();
        assert_eq!(c.hard, 1);
    }

    /// The table scan the piece masks replaced: every initial, vowel and
    /// final tried in table order.
    /// Parses `word` (lower case) into syllables with the given tables: fewest
    /// syllables wins; on ties the earlier syllable takes the longer final.
    fn reference(word: &str, inis: &[(&str, u8)], vows: &[(&str, u8)], fins: &[(&str, u8)]) -> Option<Vec<Syl>> {
        let n = word.len();
        if n == 0 || n > 48 {
            return None;
        }
        // best[i] = (syllable count, first syllable, next position) from byte i.
        let mut best: Vec<Option<(u8, Syl, usize)>> = vec![None; n + 1];
        best[n] = Some((0, [0; 3], n));
        for i in (0..n).rev() {
            if !word.is_char_boundary(i) {
                continue;
            }
            let rest = &word[i..];
            let mut here: Option<(u8, Syl, usize)> = None;
            // Byte-wise prefix test: the pieces are 1-3 letters, a memcmp call
            // per test would cost more than the comparison.
            fn strip<'a>(s: &'a str, p: &str) -> Option<&'a str> {
                let (sb, pb) = (s.as_bytes(), p.as_bytes());
                if sb.len() < pb.len() {
                    return None;
                }
                for (x, y) in sb.iter().zip(pb) {
                    if x != y {
                        return None;
                    }
                }
                s.get(pb.len()..)
            }
            for &(ini, ic) in inis {
                let Some(r1) = strip(rest, ini) else { continue };
                for &(v, vc) in vows {
                    let Some(r2) = strip(r1, v) else { continue };
                    for &(f, fc) in fins {
                        let Some(r3) = strip(r2, f) else { continue };
                        let e = n - r3.len();
                        if let Some((cnt, _, _)) = best[e] {
                            let c = cnt + 1;
                            if here.is_none_or(|h| c < h.0) {
                                here = Some((c, [ic, vc, fc], e));
                            }
                        }
                    }
                }
            }
            best[i] = here;
        }
        let mut out = Vec::new();
        let mut i = 0;
        while i < n {
            let (_, s, e) = best[i]?;
            out.push(s);
            i = e;
        }
        Some(out)
    }

    #[test]
    fn piece_masks_parse_as_the_full_table_scan() {
        let mut words: Vec<String> = Vec::new();
        for row in SURNAMES {
            words.extend(row.iter().map(|w| w.to_string()));
        }
        words.extend(FAMILY_SYLLABLES.iter().map(|w| w.to_string()));
        for (a, b) in FAMILY_SYLLABLES.iter().zip(FAMILY_SYLLABLES.iter().rev()) {
            words.push(format!("{a}{b}"));
            words.push(format!("{a}{b}{a}"));
        }
        words.extend(
            ["kyongsu", "gyeongsu", "yongchol", "kyomgsu", "vladimir", "smith", "tchol", "kkwaeng", "ng", "", "aaaaa"]
                .iter()
                .map(|w| w.to_string()),
        );
        // Every string of up to 4 letters over letters that occur in pieces.
        let alphabet = b"abceghiklmnoprstuwy";
        let mut frontier = vec![String::new()];
        for _ in 0..4 {
            frontier =
                frontier.iter().flat_map(|w| alphabet.iter().map(move |&c| format!("{w}{}", c as char))).collect();
            words.extend(frontier.iter().cloned());
        }
        let mut parsed = 0;
        for w in &words {
            let want = reference(w, LATIN_INITIALS, LATIN_VOWELS, LATIN_FINALS);
            parsed += usize::from(want.is_some());
            assert_eq!(parse(w, latin()), want, "{w}");
        }
        assert!(parsed > 1000, "{parsed}");
        for w in ["чхоль", "кёнсу", "соннам", "ким", "чжон", "ыйнъ", "владимир", "пакчхольхо"]
        {
            assert_eq!(parse(w, cyrillic()), reference(w, CYR_INITIALS, CYR_VOWELS, CYR_FINALS), "{w}");
        }
    }

    #[test]
    fn non_korean_words_do_not_parse() {
        assert!(parse_latin("vladimir").is_none());
        assert!(parse_latin("smith").is_none());
        assert!(parse_latin("kyong").is_some());
    }
}
