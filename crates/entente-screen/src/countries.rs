//! Country names → ISO 3166-1 alpha-2 codes.
//!
//! The lists spell countries differently (UN "Democratic People's Republic of
//! Korea", OFAC "Korea, North", EU code `KP`, FtM `kp`); nationality is only a
//! useful qualifier if all of them compare equal, so everything is reduced to
//! lower-case alpha-2 codes. Unknown names are kept lower-cased.

/// `code:name|name|…` — names already lower-case and punctuation-free.
const TABLE: &str = "\
af:afghanistan|al:albania|dz:algeria|ad:andorra|ao:angola|ag:antigua and barbuda|ar:argentina|am:armenia|au:australia|at:austria|\
az:azerbaijan|bs:bahamas|bs:the bahamas|bh:bahrain|bd:bangladesh|bb:barbados|by:belarus|be:belgium|bz:belize|bj:benin|bt:bhutan|\
bo:bolivia|ba:bosnia and herzegovina|bw:botswana|br:brazil|bn:brunei|bn:brunei darussalam|bg:bulgaria|bf:burkina faso|bi:burundi|\
kh:cambodia|cm:cameroon|ca:canada|cv:cabo verde|cv:cape verde|cf:central african republic|td:chad|cl:chile|cn:china|co:colombia|\
km:comoros|cg:congo|cg:republic of the congo|cd:democratic republic of the congo|cd:congo democratic republic of the|cd:drc|\
cr:costa rica|ci:cote divoire|ci:ivory coast|hr:croatia|cu:cuba|cy:cyprus|cz:czech republic|cz:czechia|dk:denmark|dj:djibouti|\
dm:dominica|do:dominican republic|ec:ecuador|eg:egypt|sv:el salvador|gq:equatorial guinea|er:eritrea|ee:estonia|sz:eswatini|\
et:ethiopia|fj:fiji|fi:finland|fr:france|ga:gabon|gm:gambia|gm:the gambia|ge:georgia|de:germany|gh:ghana|gr:greece|gd:grenada|\
gt:guatemala|gn:guinea|gw:guinea bissau|gy:guyana|ht:haiti|hn:honduras|hk:hong kong|hu:hungary|is:iceland|in:india|id:indonesia|\
ir:iran|ir:iran islamic republic of|ir:islamic republic of iran|iq:iraq|ie:ireland|il:israel|it:italy|jm:jamaica|jp:japan|jo:jordan|\
kz:kazakhstan|ke:kenya|ki:kiribati|kp:north korea|kp:korea north|kp:democratic peoples republic of korea|kp:dprk|\
kp:korea democratic peoples republic of|kr:south korea|kr:korea south|kr:republic of korea|kr:korea republic of|xk:kosovo|\
kw:kuwait|kg:kyrgyzstan|la:laos|la:lao peoples democratic republic|lv:latvia|lb:lebanon|ls:lesotho|lr:liberia|ly:libya|\
li:liechtenstein|lt:lithuania|lu:luxembourg|mo:macau|mg:madagascar|mw:malawi|my:malaysia|mv:maldives|ml:mali|mt:malta|\
mh:marshall islands|mr:mauritania|mu:mauritius|mx:mexico|fm:micronesia|md:moldova|md:republic of moldova|mc:monaco|mn:mongolia|\
me:montenegro|ma:morocco|mz:mozambique|mm:myanmar|mm:burma|na:namibia|np:nepal|nl:netherlands|nz:new zealand|ni:nicaragua|\
ne:niger|ng:nigeria|mk:north macedonia|mk:macedonia|no:norway|om:oman|pk:pakistan|pw:palau|ps:palestine|ps:west bank|pa:panama|\
pg:papua new guinea|py:paraguay|pe:peru|ph:philippines|pl:poland|pt:portugal|qa:qatar|ro:romania|ru:russia|ru:russian federation|\
rw:rwanda|kn:saint kitts and nevis|lc:saint lucia|vc:saint vincent and the grenadines|ws:samoa|sm:san marino|st:sao tome and principe|\
sa:saudi arabia|sn:senegal|rs:serbia|sc:seychelles|sl:sierra leone|sg:singapore|sk:slovakia|si:slovenia|sb:solomon islands|\
so:somalia|za:south africa|ss:south sudan|es:spain|lk:sri lanka|sd:sudan|sr:suriname|se:sweden|ch:switzerland|sy:syria|\
sy:syrian arab republic|tw:taiwan|tj:tajikistan|tz:tanzania|tz:united republic of tanzania|th:thailand|tl:timor leste|tg:togo|\
to:tonga|tt:trinidad and tobago|tn:tunisia|tr:turkey|tr:turkiye|tm:turkmenistan|tv:tuvalu|ug:uganda|ua:ukraine|\
ae:united arab emirates|ae:uae|gb:united kingdom|gb:uk|gb:great britain|us:united states|us:united states of america|us:usa|\
uy:uruguay|uz:uzbekistan|vu:vanuatu|ve:venezuela|vn:vietnam|vn:viet nam|ye:yemen|zm:zambia|zw:zimbabwe|vg:british virgin islands|\
ky:cayman islands|ck:cook islands|gi:gibraltar|im:isle of man|je:jersey|gg:guernsey|cw:curacao|ai:anguilla|bm:bermuda|\
pf:french polynesia|nc:new caledonia|ps:gaza|eh:western sahara|va:holy see|cy:northern cyprus|ru:crimea|ua:crimea region of ukraine|\
ru:russian|kp:north korean|ir:iranian|sy:syrian|by:belarusian|ua:ukrainian|cn:chinese|af:afghan|iq:iraqi|";

/// Maps a country name or code to a lower-case alpha-2 code when known.
pub fn to_code(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .filter(|c| !matches!(c, '\'' | '’' | '`'))
        .map(|c| if c.is_alphanumeric() || c == ' ' { c.to_ascii_lowercase() } else { ' ' })
        .collect();
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if cleaned.len() == 2 && cleaned.chars().all(|c| c.is_ascii_alphabetic()) {
        return cleaned;
    }
    match names().get(cleaned.as_str()) {
        Some(code) => code.to_string(),
        None => cleaned,
    }
}

/// The table as a map from name to code (the first entry of a name wins), built once.
fn names() -> &'static std::collections::HashMap<&'static str, &'static str> {
    static NAMES: std::sync::OnceLock<std::collections::HashMap<&'static str, &'static str>> =
        std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let mut m = std::collections::HashMap::new();
        for (code, name) in TABLE.split('|').filter_map(|e| e.split_once(':')) {
            m.entry(name).or_insert(code);
        }
        m
    })
}

#[cfg(test)]
mod tests {
    use super::to_code;

    #[test]
    fn spellings_converge() {
        assert_eq!(to_code("Democratic People's Republic of Korea"), "kp");
        assert_eq!(to_code("Korea, North"), "kp");
        assert_eq!(to_code("KP"), "kp");
        assert_eq!(to_code("Russian Federation"), "ru");
        assert_eq!(to_code("Atlantis"), "atlantis");
    }
}
