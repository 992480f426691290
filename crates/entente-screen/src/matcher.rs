//! Name comparison with explained scores, the OFAC-compatible score, and the
//! entity-level qualifiers (identifiers, date of birth, country).
//!
//! Name score (default algorithm): tokens are paired greedily by similarity
//! (so word order does not matter — "PUTIN, Vladimir" = "Vladimir Putin"),
//! then `score = Σ sim·w / (Σ matched w + Σ unmatched query w + k·Σ unmatched
//! list w)`, where `w` is the token weight (generic words and particles count
//! little, legal forms and titles nothing) and `k < 1` so extra middle names or
//! patronymics on the list side hurt less than unexplained query words.
//! Guards against the known false-positive classes then cap or scale it:
//! only generic tokens matched (the "CORP" problem) → ≤ 0.30; a lone name
//! against a multi-part person name → ≤ 0.60; differing numbers ("Snow Storm
//! 1" vs "2") → × 0.5; very short names must match exactly; incompatible legal
//! forms → × 0.9.

use crate::model::{DateSpec, Schema};
use crate::normalize::{org_classes_compatible, PreparedName, Token, TokenClass};
use std::fmt::Write;

/// Why two tokens were considered equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Exact,
    Spelling,
    Variant,
    Phonetic,
    Fuzzy,
    Initial,
    Joined,
    /// Same Korean syllables in another romanisation or script.
    Korean,
    /// A typing slip: one letter doubled, dropped, swapped with its
    /// neighbour or replaced by a key next to it.
    Slip,
    /// The query word abbreviates the list word ("shpg" / "shipping").
    Abbrev,
}

impl Reason {
    fn label(self) -> &'static str {
        match self {
            Reason::Exact => "=",
            Reason::Spelling => "≈ spelling",
            Reason::Variant => "≈ name variant",
            Reason::Phonetic => "≈ sounds alike",
            Reason::Fuzzy => "≈ typo",
            Reason::Initial => "≈ initial",
            Reason::Joined => "≈ joined",
            Reason::Korean => "≈ Korean romanisation",
            Reason::Slip => "≈ typing slip",
            Reason::Abbrev => "≈ abbreviation",
        }
    }
}

/// Levenshtein distance on bytes (names are ASCII after preparation).
pub fn levenshtein(a: &[u8], b: &[u8]) -> usize {
    levenshtein_within(a, b, usize::MAX).unwrap_or(usize::MAX)
}

/// Levenshtein distance if it is at most `max`, else `None`; stops as soon
/// as a whole row exceeds `max`. Two stack rows, swapped by reference.
pub fn levenshtein_within(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    if a == b {
        return Some(0);
    }
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    if a.is_empty() || b.is_empty() {
        let d = a.len().max(b.len());
        return (d <= max).then_some(d);
    }
    if b.len() >= 64 {
        let d = strsim::levenshtein(&String::from_utf8_lossy(a), &String::from_utf8_lossy(b));
        return (d <= max).then_some(d);
    }
    if a.iter().chain(b).all(u8::is_ascii_lowercase) {
        let d = levenshtein_bits(a, b);
        return (d <= max).then_some(d);
    }
    let mut r0 = [0u16; 65];
    let mut r1 = [0u16; 65];
    let (mut prev, mut cur) = (&mut r0, &mut r1);
    for (j, p) in prev.iter_mut().enumerate().take(b.len() + 1) {
        *p = j as u16;
    }
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i as u16 + 1;
        let mut row_min = cur[0];
        for (j, &cb) in b.iter().enumerate() {
            let cost = u16::from(ca != cb);
            let v = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            cur[j + 1] = v;
            row_min = row_min.min(v);
        }
        if row_min as usize > max {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()] as usize;
    (d <= max).then_some(d)
}

/// Levenshtein distance of two lower-case ASCII words, `b` of 1-63 letters,
/// by Myers' bit-parallel algorithm in Hyyrö's formulation: one column of
/// the distance matrix per machine word, a few word operations per letter
/// of `a` (what token comparison spends most time on).
fn levenshtein_bits(a: &[u8], b: &[u8]) -> usize {
    debug_assert!(!b.is_empty() && b.len() < 64);
    // Positions of each letter in `b` (a-z map to 1-26).
    let mut peq = [0u64; 32];
    for (j, &c) in b.iter().enumerate() {
        peq[(c & 31) as usize] |= 1 << j;
    }
    let last = 1u64 << (b.len() - 1);
    let (mut pv, mut mv) = (u64::MAX >> (64 - b.len()), 0u64);
    let mut d = b.len();
    for &c in a {
        let eq = peq[(c & 31) as usize];
        let xv = eq | mv;
        let xh = ((eq & pv).wrapping_add(pv) ^ pv) | eq;
        let ph = mv | !(xh | pv);
        let mh = pv & xh;
        if ph & last != 0 {
            d += 1;
        } else if mh & last != 0 {
            d -= 1;
        }
        let ph = (ph << 1) | 1;
        let mh = mh << 1;
        pv = mh | !(xv | ph);
        mv = ph & xv;
    }
    d
}

/// Similarity of two tokens in [0, 1] and the reason.
pub fn token_sim(a: &Token, b: &Token, person: bool, object: bool) -> (f32, Reason) {
    token_sim_ex(a, b, person, object, false, false)
}

/// Keyboard neighbours (QWERTY), for telling typing slips from different
/// letters.
fn neighbours(c: u8) -> &'static [u8] {
    match c {
        b'q' => b"wa",
        b'w' => b"qeas",
        b'e' => b"wrds",
        b'r' => b"etdf",
        b't' => b"ryfg",
        b'y' => b"tugh",
        b'u' => b"yihj",
        b'i' => b"uojk",
        b'o' => b"ipkl",
        b'p' => b"ol",
        b'a' => b"qwsz",
        b's' => b"awedxz",
        b'd' => b"serfcx",
        b'f' => b"drtgvc",
        b'g' => b"ftyhbv",
        b'h' => b"gyujnb",
        b'j' => b"huikmn",
        b'k' => b"jiolm",
        b'l' => b"kop",
        b'z' => b"asx",
        b'x' => b"zsdc",
        b'c' => b"xdfv",
        b'v' => b"cfgb",
        b'b' => b"vghn",
        b'n' => b"bhjm",
        b'm' => b"njk",
        _ => b"",
    }
}

/// True when `a` and `b` differ by exactly one typing slip: a letter
/// doubled or dropped, two neighbouring letters swapped, or a letter
/// replaced by a key next to it on the keyboard. A substitution by an
/// unrelated letter (Chol / Chan) is not a slip.
pub fn one_slip(a: &[u8], b: &[u8]) -> bool {
    slip_kind(a, b).is_some()
}

/// Which typing slip turns `a` into `b`, if exactly one does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slip {
    /// A key next to the intended one.
    Neighbour,
    /// Two neighbouring letters swapped.
    Swap,
    /// A letter dropped or added (doubled).
    Indel,
}

/// See [`Slip`].
pub fn slip_kind(a: &[u8], b: &[u8]) -> Option<Slip> {
    // Byte loops rather than slice equality: the words are short and most
    // pairs differ early, where a memcmp call costs more than the compare.
    fn same(x: &[u8], y: &[u8]) -> bool {
        x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p == q)
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    // First difference (none: equal, or `short` is a prefix of `long`).
    let p = short.iter().zip(long).position(|(x, y)| x != y);
    match long.len() - short.len() {
        0 => {
            let i = p?;
            if same(&a[i + 1..], &b[i + 1..]) {
                // Exactly one letter differs.
                neighbours(a[i]).contains(&b[i]).then_some(Slip::Neighbour)
            } else {
                // Exactly two, next to each other and swapped.
                (i + 1 < a.len() && a[i] == b[i + 1] && a[i + 1] == b[i] && same(&a[i + 2..], &b[i + 2..]))
                    .then_some(Slip::Swap)
            }
        }
        1 => {
            // One letter dropped or added anywhere.
            let p = p.unwrap_or(short.len());
            same(&short[p..], &long[p + 1..]).then_some(Slip::Indel)
        }
        _ => None,
    }
}

/// True when `a` abbreviates `b`: same first letter, `a` is a subsequence
/// of `b`, at least 3 letters and at most 60 % of `b`'s length.
fn abbreviates(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() < 3 || b.len() < 6 || a.len() * 10 > b.len() * 6 || a[0] != b[0] {
        return false;
    }
    // Abbreviations drop the vowels ("shpg", "mgmt", "intl"); a word with
    // vowels after its first letter is a word of its own ("myong", "nam").
    if a[1..].iter().any(|c| matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')) {
        return false;
    }
    let mut it = b.iter();
    a.iter().all(|c| it.any(|d| d == c))
}

/// [`token_sim`] with `abjad` set when exactly one side was written in an
/// abjad script: then consonant skeletons are compared (محمد ≈ Mohamed).
pub fn token_sim_ex(a: &Token, b: &Token, person: bool, object: bool, abjad: bool, korean: bool) -> (f32, Reason) {
    if abjad && a.class != TokenClass::Number && b.class != TokenClass::Number && !a.cons.is_empty() && a.cons == b.cons
    {
        let s = if a.cons.len() >= 3 { 0.85 } else { 0.75 };
        return (s, Reason::Phonetic);
    }
    if let (Some(x), Some(y)) = (a.glyph, b.glyph) {
        // Both written in Hangul or Han: the characters decide.
        return if x == y { (1.0, Reason::Exact) } else { (0.0, Reason::Exact) };
    }
    if a.text_h == b.text_h && a.text == b.text {
        return (1.0, Reason::Exact);
    }
    let num_a = a.class == TokenClass::Number;
    let num_b = b.class == TokenClass::Number;
    if num_a || num_b {
        return (0.0, Reason::Exact);
    }
    if a.skel_h == b.skel_h && a.skel == b.skel {
        return (0.95, Reason::Spelling);
    }
    if a.group.is_some() && a.group == b.group {
        return (0.92, Reason::Variant);
    }
    let (la, lb) = (a.text.len(), b.text.len());
    // A patronymic pairs only with a patronymic, or by spelling: "Nikolaevna"
    // is not a typo of the family name "Nikolaeva".
    if (a.class == TokenClass::Patronymic) != (b.class == TokenClass::Patronymic) {
        return (0.0, Reason::Exact);
    }
    if korean {
        // Korean name words are syllables from a small inventory, so two
        // valid but different syllables (Un / Mun, Chol / Chan) are another
        // name, not a typo. A typo shows as a word that is no longer valid
        // Korean ("Kyomg", "Chhin"), or as a neighbouring key or swapped pair.
        let slip = if la.abs_diff(lb) <= 1 { slip_kind(a.text.as_bytes(), b.text.as_bytes()) } else { None };
        match (&a.kor, &b.kor) {
            (Some(ka), Some(kb)) => {
                if let Some(c) = crate::korean::compare(ka, kb).filter(|c| c.hard == 0) {
                    return ((0.93 - 0.03 * c.soft as f32).max(0.84), Reason::Korean);
                }
                // A slip that still reads as Korean counts only when typing
                // explains it better than another syllable does: a
                // neighbouring key, swapped letters, a doubled letter or one
                // dropped inside the word — not a letter missing at either end
                // (Un / Mun, So / Sok are other names).
                let typing = |x: &[u8], y: &[u8]| match slip_kind(x, y) {
                    Some(Slip::Neighbour | Slip::Swap) => x.len().min(y.len()) >= 3,
                    Some(Slip::Indel) => {
                        let (s, l) = if x.len() < y.len() { (x, y) } else { (y, x) };
                        let p = (0..s.len()).find(|&i| s[i] != l[i]).unwrap_or(s.len());
                        let doubled = (p > 0 && l[p] == l[p - 1]) || (p + 1 < l.len() && l[p] == l[p + 1]);
                        doubled || (p > 0 && p + 1 < l.len())
                    }
                    None => false,
                };
                let via_group = |x: &Token, y: &Token| {
                    y.group.is_some_and(|g| {
                        crate::normalize::group_members(g).iter().any(|w| typing(x.text.as_bytes(), w.as_bytes()))
                    })
                };
                return if typing(a.text.as_bytes(), b.text.as_bytes()) || via_group(a, b) || via_group(b, a) {
                    (0.72, Reason::Slip)
                } else {
                    (0.0, Reason::Exact)
                };
            }
            _ => {
                let group_slip = |x: &Token, y: &Token| {
                    y.group.is_some_and(|g| {
                        crate::normalize::group_members(g).iter().any(|w| one_slip(x.text.as_bytes(), w.as_bytes()))
                    })
                };
                if (slip.is_some() && la.min(lb) >= 2) || group_slip(a, b) || group_slip(b, a) {
                    return (if la.min(lb) >= 4 { 0.84 } else { 0.8 }, Reason::Slip);
                }
            }
        }
    }
    if person && (la == 1 || lb == 1) {
        let (short, long) = if la == 1 { (a, b) } else { (b, a) };
        if long.text.len() > 1 && long.text.as_bytes()[0] == short.text.as_bytes()[0] {
            return (0.6, Reason::Initial);
        }
        return (0.0, Reason::Exact);
    }
    let maxlen = a.skel.len().max(b.skel.len());
    // One typing slip inside a short word ("Kin" / "Kim", "Ir" / "Ri"): only
    // worth something beside other words that agree (the name-level guards
    // keep short names exact).
    let slip = !object && la.min(lb) >= 2 && la.abs_diff(lb) <= 1 && one_slip(a.text.as_bytes(), b.text.as_bytes());
    if a.skel.len().min(b.skel.len()) < 3 {
        if slip {
            return (0.7, Reason::Slip);
        }
        return (0.0, Reason::Exact);
    }
    if !person && !object && (abbreviates(&a.text, &b.text) || abbreviates(&b.text, &a.text)) {
        return (0.82, Reason::Abbrev);
    }
    let budget = if object { (maxlen / 5).max(1) } else { (maxlen / 4).max(1) };
    let mut best = (0.0f32, Reason::Fuzzy);
    let (sa, sb) = (a.skel.as_bytes(), b.skel.as_bytes());
    // Typos rarely hit both of the first two letters: a cheap filter that
    // spares most Levenshtein computations between unrelated words.
    if slip {
        let s = match maxlen {
            0..=3 => 0.72,
            4 => 0.8,
            _ => 0.86,
        };
        best = (s, Reason::Slip);
    }
    let plausible = sa[0] == sb[0] || sa[1] == sb[1];
    if !plausible {
        return best;
    }
    let dist = levenshtein_within(a.skel.as_bytes(), b.skel.as_bytes(), budget);
    if let Some(d) = dist {
        // Each edit costs 1.5× its share of the length: a 2-edit change in a
        // 6-letter surname is more often a different person than a typo.
        let s = (1.0 - 1.5 * d as f32 / maxlen as f32).min(0.93);
        if s > best.0 {
            best = (s, Reason::Fuzzy);
        }
    }
    // Same consonants: a sound-alike only when the spellings are also close
    // (Belova / Belekhova, Cargo / Kirurg share consonants, not a name).
    if !object && a.phon.len() >= 2 && a.phon == b.phon && a.skel.as_bytes()[0] == b.skel.as_bytes()[0] && maxlen >= 4 {
        let close = match dist {
            Some(d) => d,
            None => levenshtein_within(a.skel.as_bytes(), b.skel.as_bytes(), 2).unwrap_or(9),
        };
        let s = match (close, maxlen >= 6) {
            (0..=1, true) => 0.86f32,
            (0..=1, false) => 0.78,
            (2, _) => 0.6,
            _ => 0.0,
        };
        if s > best.0 {
            best = (s, Reason::Phonetic);
        }
    }
    best
}

/// Result of comparing two names.
#[derive(Debug, Clone)]
pub struct NameMatch {
    pub score: f32,
    pub explanation: String,
}

/// Compares a query name with a list name. `schema` is the list entity's.
pub fn compare_names(q: &PreparedName, c: &PreparedName, schema: Schema) -> NameMatch {
    compare_names_ex(q, c, schema, true)
}

/// [`compare_names`]; with `explain` false the explanation is left empty,
/// which is what the index does for the many candidates that will not be
/// reported (building strings dominates the cost otherwise).
pub fn compare_names_ex(q: &PreparedName, c: &PreparedName, schema: Schema, explain: bool) -> NameMatch {
    let person = schema.is_person();
    let object = schema.is_object();
    let nq = q.tokens.len();
    let nc = c.tokens.len();
    let text = |s: &str| if explain { s.to_string() } else { String::new() };
    if nq == 0 || nc == 0 {
        return NameMatch { score: 0.0, explanation: text("no comparable name tokens") };
    }
    let abjad = q.abjad != c.abjad;
    // Korean context: both names read as Korean, one word of either side may
    // be a typo that no longer does.
    let korean = (q.korean || q.korean_loose) && (c.korean || c.korean_loose) && (q.korean || c.korean);
    // Very short names must match exactly: fuzzy matching 2-3 letters is noise.
    if !abjad && (q.joined.len() <= 3 || c.joined.len() <= 3) {
        let ok = q.joined == c.joined;
        return NameMatch {
            score: if ok { 1.0 } else { 0.0 },
            explanation: if !explain {
                String::new()
            } else if ok {
                format!("short name '{}' identical", q.ascii)
            } else {
                "short name differs".into()
            },
        };
    }
    // Candidate pairs.
    if nq > 32 || nc > 32 {
        return NameMatch { score: 0.0, explanation: text("name too long to compare") };
    }
    // Scratch buffers reused across calls: this runs for every candidate.
    thread_local! {
        static BUFS: std::cell::RefCell<(Vec<Pair>, Vec<Pair>)> = const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
    }
    BUFS.with(|b| {
        let mut b = b.borrow_mut();
        let (pairs, matched) = &mut *b;
        pairs.clear();
        matched.clear();
        compare_tokens(q, c, person, object, abjad, korean, explain, pairs, matched)
    })
}

/// A paired query token `i` and list token `j`: similarity and reason.
type Pair = (f32, usize, usize, Reason);

/// The body of [`compare_names_ex`] once the cheap early exits are past.
#[allow(clippy::too_many_arguments)]
fn compare_tokens(
    q: &PreparedName,
    c: &PreparedName,
    person: bool,
    object: bool,
    abjad: bool,
    korean: bool,
    explain: bool,
    pairs: &mut Vec<Pair>,
    matched: &mut Vec<Pair>,
) -> NameMatch {
    let nq = q.tokens.len();
    let nc = c.tokens.len();
    for (i, a) in q.tokens.iter().enumerate() {
        for (j, b) in c.tokens.iter().enumerate() {
            let (s, r) = token_sim_ex(a, b, person, object, abjad, korean);
            if s >= 0.5 {
                pairs.push((s, i, j, r));
            }
        }
    }
    pairs.sort_by(|x, y| {
        y.0.partial_cmp(&x.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then((x.1 as isize - x.2 as isize).abs().cmp(&(y.1 as isize - y.2 as isize).abs()))
    });
    let mut qa = [usize::MAX; 32];
    let mut ca = [usize::MAX; 32];
    for &p in pairs.iter() {
        if qa[p.1] == usize::MAX && ca[p.2] == usize::MAX {
            qa[p.1] = p.2;
            ca[p.2] = p.1;
            matched.push(p);
        }
    }
    // Joined / split words: "jongun" vs "jong un" — only possible when
    // one side has an unmatched token and the other at least two.
    let free_q = qa[..nq].iter().filter(|&&x| x == usize::MAX).count();
    let free_c = ca[..nc].iter().filter(|&&x| x == usize::MAX).count();
    if free_q >= 1 && free_c >= 2 {
        join_split(q, c, &mut qa[..nq], &mut ca[..nc], matched, false, korean);
    }
    let free_q = qa[..nq].iter().filter(|&&x| x == usize::MAX).count();
    let free_c = ca[..nc].iter().filter(|&&x| x == usize::MAX).count();
    if free_c >= 1 && free_q >= 2 {
        join_split(c, q, &mut ca[..nc], &mut qa[..nq], matched, true, korean);
    }

    // Unexplained words on one side only (a middle name, a branch suffix)
    // are weak evidence against; a word on *each* side that did not pair
    // (Gas vs Oil, AL-DULAIMI vs AL-TIKRITI) is a substitution and counts fully.
    // Particles (al / el, de, van) differing are spelling, not substitution.
    let counts = |t: &Token| t.weight() > 0.0 && t.class != TokenClass::Particle;
    let any_unmatched_q = (0..nq).any(|i| qa[i] == usize::MAX && counts(&q.tokens[i]) && !is_dup(q, i, &qa));
    let any_unmatched_c = (0..nc).any(|j| ca[j] == usize::MAX && counts(&c.tokens[j]));
    let substitution = any_unmatched_q && any_unmatched_c;
    // In Korean names every syllable of the given name belongs to it: a
    // missing one ("Ri Su" against "Ri Su Yong") is another name.
    let k_extra = if object || substitution || korean { 1.0 } else { 0.3 };
    let mut num = 0.0f32;
    let mut den = 0.0f32;
    let mut strong = false;
    for &(s, i, j, _) in matched.iter() {
        let w = (q.tokens[i].weight() + c.tokens[j].weight()) / 2.0;
        num += s * w;
        den += w;
        let cls = q.tokens[i].class;
        if s >= 0.7 && matches!(cls, TokenClass::Normal | TokenClass::Number | TokenClass::Patronymic) {
            strong = true;
        }
    }
    // Unmatched words are listed only when explaining; the guards below
    // need only whether there are any.
    let mut unmatched_q = Vec::new();
    let mut any_extra_q = false;
    for (i, t) in q.tokens.iter().enumerate() {
        if qa[i] == usize::MAX && !is_dup(q, i, &qa) {
            den += t.weight() * k_extra;
            any_extra_q = true;
            if explain {
                unmatched_q.push(t.text.as_str());
            }
        }
    }
    let mut unmatched_c = Vec::new();
    let mut any_extra_c = false;
    let mut country_extra = false;
    for (j, t) in c.tokens.iter().enumerate() {
        if ca[j] == usize::MAX {
            // A country in a firm name the query lacks ("Banco Santander
            // México") names another entity of the group: it counts fully.
            let country = !person && t.class == TokenClass::Normal && crate::lexicon::is_country(&t.text);
            country_extra |= country;
            den += t.weight() * if country { 1.0 } else { k_extra };
            any_extra_c = true;
            if explain {
                unmatched_c.push(t.text.as_str());
            }
        }
    }
    let mut score = if den > 0.0 { num / den } else { 0.0 };
    let mut notes: Vec<String> = Vec::new();
    // Notes only matter for the explanation: not even built otherwise.
    macro_rules! note {
        ($e:expr) => {
            if explain {
                notes.push($e)
            }
        };
    }
    let glyphs = q.tokens.iter().chain(&c.tokens).all(|t| t.glyph.is_some());
    let same_letters = q.joined == c.joined && q.joined.len() >= 5 && !glyphs;
    if same_letters {
        strong = true;
        if score < 0.97 {
            score = 0.97;
            note!("same letters, different spacing".into());
        }
    }
    if substitution && explain {
        note!("words differ on both sides".into());
    }
    if country_extra && explain {
        note!("list name adds a country (another entity of the group)".into());
    }
    // Contradicting patronymics: Sergey Viktorovich vs Sergey Borisovich.
    let pat = |n: &PreparedName, assigned: &[usize]| {
        n.tokens.iter().enumerate().any(|(i, t)| t.class == TokenClass::Patronymic && assigned[i] == usize::MAX)
    };
    if person && pat(q, &qa[..nq]) && pat(c, &ca[..nc]) {
        score *= 0.8;
        note!("patronymics differ ×0.8".into());
    }
    if !strong && score > 0.3 {
        score = 0.3;
        note!("only generic words match (capped 0.30)".into());
    }
    // Common trade words ("crude oil", "cargo freight") identify nobody unless
    // they are the whole name on both sides.
    if !person && score > 0.7 && (any_extra_q || any_extra_c) {
        let all_common = matched.iter().all(|&(_, i, _, _)| {
            let t = &q.tokens[i];
            t.class != TokenClass::Normal || crate::lexicon::is_common(&t.text)
        });
        if all_common {
            score = 0.7;
            note!("only common trade words match (capped 0.70)".into());
        }
    }
    // Name parts: normal tokens plus initials that matched ("Putin V. V.").
    let parts = |n: &PreparedName, assigned: &[usize]| {
        n.tokens
            .iter()
            .enumerate()
            .filter(|(i, t)| {
                t.class == TokenClass::Normal || (t.class == TokenClass::Initial && assigned[*i] != usize::MAX)
            })
            .count()
    };
    let (qn, cn) = (parts(q, &qa[..nq]), parts(c, &ca[..nc]));
    if person && !same_letters && ((qn == 1 && cn >= 2) || (cn == 1 && qn >= 2)) {
        // A lone family name (the list name's last part) is worth a review;
        // a lone given name is not.
        let (single, single_assign, other) = if qn == 1 { (q, &qa[..nq], c) } else { (c, &ca[..nc], q) };
        let last_normal = if other.family_first {
            other.tokens.iter().position(|t| t.class == TokenClass::Normal)
        } else {
            other.tokens.iter().rposition(|t| t.class == TokenClass::Normal)
        };
        let hit_last = single.tokens.iter().enumerate().any(|(i, t)| {
            t.class == TokenClass::Normal && single_assign[i] != usize::MAX && Some(single_assign[i]) == last_normal
        });
        let cap = if hit_last { 0.75 } else { 0.6 };
        // A title with the family name ("President Erdoğan") names one person
        // well enough for review.
        let single_exact = matched.iter().any(|m| {
            let i = if qn == 1 { m.1 } else { m.2 };
            single.tokens[i].class == TokenClass::Normal && m.0 >= 0.9
        });
        if hit_last && single.titled && single_exact && score < cap {
            score = cap;
            note!("title and family name (0.75)".into());
        }
        if score > cap {
            score = cap;
            note!(if hit_last {
                "family name only (capped 0.75)".to_string()
            } else {
                "lone name against a multi-part person name (capped 0.60)".to_string()
            });
        }
    }
    fn nums(n: &PreparedName) -> Vec<&str> {
        let mut v: Vec<&str> =
            n.tokens.iter().filter(|t| t.class == TokenClass::Number).map(|t| t.text.as_str()).collect();
        v.sort_unstable();
        v
    }
    let (qnum, cnum) = (nums(q), nums(c));
    if !qnum.is_empty() && !cnum.is_empty() && qnum != cnum {
        score *= 0.5;
        note!(format!("numbers differ ({} vs {}) ×0.5", qnum.join(" "), cnum.join(" ")));
    } else if qnum.is_empty() != cnum.is_empty() && !person {
        score *= 0.85;
        note!("number on one side only ×0.85".into());
    }
    if !q.org_classes.is_empty()
        && !c.org_classes.is_empty()
        && !q.org_classes.iter().any(|a| c.org_classes.iter().any(|b| org_classes_compatible(a, b)))
    {
        score *= 0.9;
        note!(format!("legal forms differ ({} vs {}) ×0.9", q.org_classes.join("/"), c.org_classes.join("/")));
    }
    // Word order (for the explanation, and the nasab-order penalty).
    matched.sort_by_key(|m| m.1);
    let reordered = matched.windows(2).any(|w| w[1].2 < w[0].2);
    let nasab =
        reordered && person && q.tokens.iter().any(|t| matches!(t.text.as_str(), "bin" | "ibn" | "ben" | "bint"));
    if nasab {
        // In Arabic nasab names the order around bin/ibn is who is whose son.
        score *= 0.8;
    }
    if !explain {
        return NameMatch { score: score.clamp(0.0, 1.0), explanation: String::new() };
    }
    let mut ex = String::new();
    for (n, &(s, i, j, r)) in matched.iter().enumerate() {
        if n > 0 {
            ex.push_str(", ");
        }
        if r == Reason::Exact {
            let _ = write!(ex, "{}", q.tokens[i].text);
        } else if r == Reason::Joined {
            let _ = write!(ex, "{} {} ({:.2})", q.tokens[i].text, r.label(), s);
        } else {
            let _ = write!(ex, "{} {} {} ({:.2})", q.tokens[i].text, r.label(), c.tokens[j].text, s);
        }
    }
    if reordered {
        ex.push_str("; word order differs");
        if nasab {
            ex.push_str(" around bin/ibn ×0.8");
        }
    }
    if !unmatched_q.is_empty() {
        let _ = write!(ex, "; unmatched query words: {}", unmatched_q.join(" "));
    }
    if !unmatched_c.is_empty() {
        let _ = write!(ex, "; extra list words: {}", unmatched_c.join(" "));
    }
    for n in notes {
        let _ = write!(ex, "; {n}");
    }
    for (side, n) in [("query", q), ("list", c)] {
        if !n.expanded.is_empty() {
            let v: Vec<String> = n.expanded.iter().map(|(a, f)| format!("{a}→{f}")).collect();
            let _ = write!(ex, "; {side} abbreviations read as {}", v.join(", "));
        }
    }
    NameMatch { score: score.clamp(0.0, 1.0), explanation: ex }
}

/// True when query token `i` repeats an already matched token ("Sergey
/// Sergey Shoigu"); duplicates carry no extra information.
fn is_dup(q: &PreparedName, i: usize, qa: &[usize]) -> bool {
    q.tokens.iter().enumerate().any(|(k, t)| k != i && t.text == q.tokens[i].text && qa[k] != usize::MAX)
}

/// Pairs an unmatched token of `a` with two or three adjacent unmatched
/// tokens of `b` whose skeletons concatenate to it ("vanderbilt" = "van der
/// bilt", "jongun" = "jong un").
#[allow(clippy::needless_range_loop)] // i indexes both `aa` and `a.tokens`
fn join_split(
    a: &PreparedName,
    b: &PreparedName,
    aa: &mut [usize],
    ba: &mut [usize],
    matched: &mut Vec<(f32, usize, usize, Reason)>,
    swapped: bool,
    korean: bool,
) {
    // Skeleton lengths of `b` (at most 32 tokens, see compare_names_ex).
    let mut blen = [0usize; 32];
    for (l, t) in blen.iter_mut().zip(&b.tokens) {
        *l = t.skel.len();
    }
    for i in 0..a.tokens.len() {
        if aa[i] != usize::MAX {
            continue;
        }
        let s = a.tokens[i].skel.as_str();
        'span: for k in 2..=3usize {
            for j in 0..b.tokens.len().saturating_sub(k - 1) {
                let free = |ba: &[usize]| (j..j + k).all(|x| ba[x] == usize::MAX);
                // Korean given names joined, hyphenated or split in another
                // romanisation ("Kyong Su" / "Gyeongsu"): compare syllables
                // (only equally many can agree).
                if korean {
                    if let Some(ka) = &a.tokens[i].kor {
                        let parts = (j..j + k).map(|x| b.tokens[x].kor.as_deref());
                        let n = parts.clone().try_fold(0usize, |n, s| Some(n + s?.len()));
                        if n == Some(ka.len()) && free(ba) {
                            let mut buf = [[0u8; 3]; 48];
                            let mut v = Vec::new();
                            let kb: &mut [crate::korean::Syl] = if ka.len() <= buf.len() {
                                &mut buf[..ka.len()]
                            } else {
                                v.resize(ka.len(), [0u8; 3]);
                                &mut v
                            };
                            let mut at = 0;
                            for p in parts.flatten() {
                                kb[at..at + p.len()].copy_from_slice(p);
                                at += p.len();
                            }
                            if let Some(c) = crate::korean::compare(ka, kb).filter(|c| c.hard == 0) {
                                aa[i] = j;
                                for slot in ba.iter_mut().skip(j).take(k) {
                                    *slot = i;
                                }
                                let sim = (0.93 - 0.03 * c.soft as f32).max(0.84);
                                matched.push(if swapped {
                                    (sim, j, i, Reason::Joined)
                                } else {
                                    (sim, i, j, Reason::Joined)
                                });
                                break 'span;
                            }
                        }
                    }
                }
                let total: usize = blen[j..j + k].iter().sum();
                if total != s.len() || !free(ba) {
                    continue;
                }
                let mut at = 0;
                let ok = (j..j + k).all(|x| {
                    let part = b.tokens[x].skel.as_str();
                    let r = s[at..].starts_with(part);
                    at += part.len();
                    r
                });
                if ok {
                    aa[i] = j;
                    for slot in ba.iter_mut().skip(j).take(k) {
                        *slot = i;
                    }
                    matched.push(if swapped { (0.95, j, i, Reason::Joined) } else { (0.95, i, j, Reason::Joined) });
                    break 'span;
                }
            }
        }
    }
}

/// Normalises a name the way OFAC's Sanctions List Search appears to:
/// upper-case ASCII letters and digits, other characters as spaces.
fn ofac_norm(s: &str) -> String {
    let a = crate::normalize::to_ascii(s);
    let mut out = String::with_capacity(a.len());
    for c in a.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else if c == '\'' {
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim().to_string()
}

/// OFAC-compatible name score in [0, 1], reproducing the behaviour of OFAC's
/// Sanctions List Search (FAQ 249): the maximum of a whole-string
/// Jaro-Winkler (only when first letters agree) and the mean over query
/// words longer than two letters (all words if none is) of their best
/// Jaro-Winkler against any list word (words below 0.5 count as 0).
/// Name-only, as OFAC's tool is.
pub fn ofac_score(query: &str, list_name: &str) -> f32 {
    let q = ofac_norm(query);
    let c = ofac_norm(list_name);
    if q.is_empty() || c.is_empty() {
        return 0.0;
    }
    let whole = if q.as_bytes()[0] == c.as_bytes()[0] { strsim::jaro_winkler(&q, &c) } else { 0.0 };
    let ctoks: Vec<&str> = c.split(' ').collect();
    let mut qtoks: Vec<&str> = q.split(' ').filter(|t| t.len() > 2).collect();
    if qtoks.is_empty() {
        // A query made only of short words ("Z", "AL QA") is compared as is.
        qtoks = q.split(' ').collect();
    }
    let per_token = if qtoks.is_empty() {
        0.0
    } else {
        let sum: f64 = qtoks
            .iter()
            .map(|qt| {
                let best = ctoks.iter().map(|ct| strsim::jaro_winkler(qt, ct)).fold(0.0, f64::max);
                if best < 0.5 {
                    0.0
                } else {
                    best
                }
            })
            .sum();
        sum / qtoks.len() as f64
    };
    whole.max(per_token) as f32
}

/// Date-of-birth qualifier: +0.05 when any date agrees, −0.15 when the query
/// date contradicts every listed date; explanation included.
pub fn dob_qualifier(query: &DateSpec, listed: &[DateSpec]) -> Option<(f32, String)> {
    if listed.is_empty() {
        return None;
    }
    if let Some(d) = listed.iter().find(|d| d.agrees(query)) {
        Some((0.05, format!("date of birth {query} agrees with {d} (+0.05)")))
    } else {
        let l: Vec<String> = listed.iter().map(|d| d.to_string()).collect();
        Some((-0.15, format!("date of birth {query} contradicts {} (−0.15)", l.join(", "))))
    }
}

/// Country qualifier: +0.02 on agreement, −0.10 when the listed countries
/// are all different.
pub fn country_qualifier(query: &str, listed: &[String]) -> Option<(f32, String)> {
    if listed.is_empty() || query.is_empty() {
        return None;
    }
    let q = crate::countries::to_code(query);
    if listed.contains(&q) {
        Some((0.02, format!("country {q} agrees (+0.02)")))
    } else {
        Some((-0.10, format!("country {q} not among {} (−0.10)", listed.join(", "))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::prepare;

    fn s(a: &str, b: &str, schema: Schema) -> f32 {
        let p = schema.is_person();
        compare_names(&prepare(a, p), &prepare(b, p), schema).score
    }

    #[test]
    fn word_order_and_patronymic() {
        assert!(s("Vladimir Putin", "PUTIN, Vladimir Vladimirovich", Schema::Person) > 0.9);
        assert!(s("Putin Vladimir", "Vladimir Putin", Schema::Person) > 0.99);
    }

    #[test]
    fn cross_script() {
        assert!(s("Владимир Путин", "Vladimir Putin", Schema::Person) > 0.99);
        assert!(s("Шойгу Сергей", "Sergei Shoigu", Schema::Person) > 0.9);
        assert!(s("김정은", "Kim Jong Un", Schema::Person) > 0.99);
        assert!(s("Kim Jong-un", "Kim Jongun", Schema::Person) > 0.9);
        assert!(s("Gim Jeong-eun", "Kim Jong Un", Schema::Person) > 0.85);
    }

    #[test]
    fn typos() {
        assert!(s("Olaf Scholze", "Olaf Scholz", Schema::Person) > 0.85);
        assert!(s("Octavian Scholz", "Olaf Scholz", Schema::Person) < 0.7);
    }

    #[test]
    fn generic_tokens_do_not_match() {
        assert!(s("BELLETECH CORP", "11420 CORP.", Schema::Company) < 0.5);
        assert!(s("Global Trading LLC", "Global Trading International Ltd", Schema::Company) <= 0.3);
    }

    #[test]
    fn legal_form_equivalence() {
        assert!(s("ООО Ромашка", "Romashka LLC", Schema::Company) > 0.95);
    }

    #[test]
    fn lone_given_name_capped() {
        assert!(s("Vladimir", "Vladimir Putin", Schema::Person) <= 0.6);
    }

    #[test]
    fn vessel_numbers() {
        assert!(s("Snow Storm 1", "Snow Storm 2", Schema::Vessel) < 0.6);
        assert!(s("Petrel 8", "PETREL 8", Schema::Vessel) > 0.99);
    }

    #[test]
    fn bit_parallel_levenshtein_agrees_with_the_table() {
        // Every pair of words over a small alphabet up to 7 letters long, plus
        // long words: the bit-parallel distance equals the textbook one.
        fn table(a: &[u8], b: &[u8]) -> usize {
            let mut prev: Vec<usize> = (0..=b.len()).collect();
            for (i, &x) in a.iter().enumerate() {
                let mut cur = vec![i + 1; b.len() + 1];
                for (j, &y) in b.iter().enumerate() {
                    cur[j + 1] = (prev[j] + usize::from(x != y)).min(prev[j + 1] + 1).min(cur[j] + 1);
                }
                prev = cur;
            }
            prev[b.len()]
        }
        let mut words: Vec<Vec<u8>> = vec![Vec::new()];
        let mut frontier = words.clone();
        for _ in 0..4 {
            frontier =
                frontier.iter().flat_map(|w| b"abz".iter().map(move |&c| [w.as_slice(), &[c]].concat())).collect();
            words.extend(frontier.iter().cloned());
        }
        words.push(b"abzabzzbaabzzab".to_vec());
        words.push(b"zabzabzzbaabzzabzz".to_vec());
        words.push(b"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk".to_vec());
        words.push(b"bcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl".to_vec());
        let mut checked = 0;
        for a in &words {
            for b in &words {
                let want = table(a, b);
                assert_eq!(
                    levenshtein(a, b),
                    want,
                    "{:?} {:?}",
                    String::from_utf8_lossy(a),
                    String::from_utf8_lossy(b)
                );
                for max in 0..4 {
                    assert_eq!(levenshtein_within(a, b, max), (want <= max).then_some(want));
                }
                checked += 1;
            }
        }
        assert!(checked > 10_000);
        assert_eq!(levenshtein(b"kitten", b"sitting"), 3);
        assert_eq!(levenshtein("Ölaf".as_bytes(), "olaf".as_bytes()), 2);
    }

    #[test]
    fn slip_kinds_agree_with_the_definition() {
        // The definition slip_kind implements, written plainly.
        fn reference(a: &[u8], b: &[u8]) -> Option<Slip> {
            if a == b {
                return None;
            }
            let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
            match long.len() - short.len() {
                0 => {
                    let mut diff = (0..a.len()).filter(|&i| a[i] != b[i]);
                    match (diff.next(), diff.next(), diff.next()) {
                        (Some(i), None, None) => neighbours(a[i]).contains(&b[i]).then_some(Slip::Neighbour),
                        (Some(i), Some(j), None) => (j == i + 1 && a[i] == b[j] && a[j] == b[i]).then_some(Slip::Swap),
                        _ => None,
                    }
                }
                1 => {
                    let p = (0..short.len()).find(|&i| short[i] != long[i]).unwrap_or(short.len());
                    (short[p..] == long[p + 1..]).then_some(Slip::Indel)
                }
                _ => None,
            }
        }
        let mut words: Vec<Vec<u8>> = vec![Vec::new()];
        let mut frontier = words.clone();
        for _ in 0..4 {
            frontier =
                frontier.iter().flat_map(|w| b"aqsw".iter().map(move |&c| [w.as_slice(), &[c]].concat())).collect();
            words.extend(frontier.iter().cloned());
        }
        let mut kinds = [0usize; 4];
        for a in &words {
            for b in &words {
                let k = reference(a, b);
                assert_eq!(slip_kind(a, b), k, "{:?} {:?}", String::from_utf8_lossy(a), String::from_utf8_lossy(b));
                kinds[k.map_or(0, |k| k as usize + 1)] += 1;
            }
        }
        assert!(kinds.iter().all(|&n| n > 100), "{kinds:?}");
    }

    #[test]
    fn ofac_mode_examples() {
        assert!((ofac_score("PUTIN", "PUTIN, Vladimir Vladimirovich") - 1.0).abs() < 0.01);
        assert!((ofac_score("KIM JONG UN", "KIM, Jong Un") - 1.0).abs() < 0.01);
    }
}
