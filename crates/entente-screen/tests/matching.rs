//! Pinned behaviour on representative cases of each category of the labelled
//! benchmark, so a matcher regression fails CI even without ../shared.

use entente_screen::matcher::compare_names;
use entente_screen::model::Schema;
use entente_screen::normalize::prepare;

fn score(schema: Schema, a: &str, b: &str) -> f32 {
    let p = schema.is_person();
    compare_names(&prepare(a, p), &prepare(b, p), schema).score
}

const T: f32 = 0.75;

#[test]
fn true_matches_by_category() {
    use Schema::*;
    let cases: &[(Schema, &str, &str, &str)] = &[
        (Person, "Olaf Scholze", "Olaf Scholz", "typo"),
        (Person, "PUTIN, Vladimir Vladimirovich", "Vladimir Putin", "patronymic + order"),
        (Person, "Владимир Путин", "Vladimir Putin", "Cyrillic"),
        (Person, "Володимир Путін", "Vladimir Putin", "Ukrainian Cyrillic"),
        (Person, "Шойгу Сергей Кужугетович", "Sergei Shoigu", "Cyrillic + patronymic"),
        (Person, "Sergey Shoygu", "Sergei Shoigu", "transliteration"),
        (Person, "김정은", "Kim Jong Un", "Hangul"),
        (Person, "Kim Jong-un", "KIM Jong Un", "hyphen"),
        (Person, "Gim Jeong-eun", "Kim Jong Un", "Revised Romanization"),
        (Person, "VladimirPutin", "Vladimir Putin", "word joining"),
        (Person, "Ig0r Sech1n", "Igor Sechin", "alphanumeric swap"),
        (Person, "Sergey Sergey Shoigu", "Sergey Shoigu", "duplication"),
        (Person, "Thomas A. Lindeman", "Thomas Lindemann", "middle initial"),
        (Person, "Presidente Vladimir Putin", "Vladimir Putin", "title"),
        (Person, "Mohammed Omar", "Muhammad Umar", "Arabic variants"),
        (Company, "ООО Ромашка", "Romashka LLC", "legal form cross-script"),
        (Company, "Siemens Aktiengesellschaft", "Siemens AG", "legal form long/short"),
        (Company, "Goldman Sachs & Co. L.L.C.", "Goldman Sachs & Co. LLC", "dotted acronym"),
        (Company, "vanderbilt corp", "van der bilt corp", "token merge"),
        (Vessel, "PETREL 8", "Petrel8", "vessel spacing"),
        (Vessel, "Snow Storm II", "Snow Storm 2", "roman numeral"),
    ];
    for (schema, a, b, why) in cases {
        let s = score(*schema, a, b);
        assert!(s >= T, "{why}: {a:?} vs {b:?} scored {s:.3}");
    }
}

#[test]
fn false_positive_guards() {
    use Schema::*;
    let cases: &[(Schema, &str, &str, &str)] = &[
        (Company, "BELLETECH CORP", "11420 CORP.", "generic token only (watchman#483)"),
        (Company, "EMMA LLC", "Emma Daniels", "org vs person-like name"),
        (Person, "Vladimir", "Vladimir Putin", "lone given name"),
        (Person, "Octavian Scholz", "Olaf Scholz", "different given name"),
        (Vessel, "Snow Storm 1", "Snow Storm 2", "number mismatch"),
        (Company, "Saudi Arabian Gas Company", "Saudi Arabian Oil Company", "substituted word"),
        (Person, "Sergey Viktorovich Lavrov", "Sergey Borisovich Lavrov", "contradicting patronymics"),
        (Person, "AYMAN SABAWI IBRAHIM HASAN AL-DULAIMI", "AYMAN SABAWI IBRAHIM HASAN AL-TIKRITI", "different nisba"),
        (Person, "Raúl Castillo", "Raúl Castro", "similar surname"),
        (Person, "Li", "Lu", "short names"),
        (Company, "Global Trading International Ltd", "Global Trading LLC", "generic words"),
    ];
    for (schema, a, b, why) in cases {
        let s = score(*schema, a, b);
        assert!(s < T, "{why}: {a:?} vs {b:?} scored {s:.3}");
    }
}

#[test]
fn explanations_are_readable() {
    let m = compare_names(
        &prepare("Vladimir Putin", true),
        &prepare("PUTIN, Vladimir Vladimirovich", true),
        Schema::Person,
    );
    assert!(m.explanation.contains("vladimir"), "{}", m.explanation);
    assert!(m.explanation.contains("extra list words: vladimirovich"), "{}", m.explanation);
    let m = compare_names(&prepare("Snow Storm 1", false), &prepare("Snow Storm 2", false), Schema::Vessel);
    assert!(m.explanation.contains("numbers differ"), "{}", m.explanation);
}
