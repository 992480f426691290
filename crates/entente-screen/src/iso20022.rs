//! ISO 20022 payment messages: pacs.008 (FI-to-FI customer credit transfer)
//! and pain.001 (customer credit transfer initiation), any version.
//!
//! Elements are matched by local name, so message versions (`.001.03`,
//! `.001.09`, `.008.001.08`...) and the optional business application header
//! (`head.001`) need no special cases. Every party that sanctions screening
//! must look at becomes a [`Party`]: initiating party, debtor, ultimate
//! debtor, creditor, ultimate creditor, the debtor/creditor/intermediary/
//! instructing/instructed agents (name and BIC), and the unstructured
//! remittance text (IMO numbers are extracted from it as identifiers).

use crate::index::Query;
use crate::lists::extract_imo_numbers;
use crate::model::{DateSpec, IdKind, Identifier, Schema};
use crate::xml::{decode_text, parse_document, Element, ParseError};
use serde::Serialize;

/// One party (or text) to screen, with where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct Party {
    /// Message / transaction reference, e.g. `pacs.008 E2E-1 tx 1`.
    pub reference: String,
    /// Role in the message (`debtor`, `creditor agent`, `remittance`...).
    pub role: String,
    pub query: Query,
    /// Free text (remittance information) is screened as word windows.
    #[serde(skip)]
    pub free_text: bool,
    /// Message sub-fields (or input columns) that were screened, with their values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    /// Countries and address text checked against the country policy.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
    /// Amount and currency of the transaction the party belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    /// Set when there was nothing to screen (a transaction without any party).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Party {
    /// A party with no provenance beyond its reference and role.
    pub fn new(reference: &str, role: &str, query: Query) -> Party {
        Party {
            reference: reference.to_string(),
            role: role.to_string(),
            query,
            free_text: false,
            fields: Vec::new(),
            locations: Vec::new(),
            amount: None,
            note: None,
        }
    }
}

/// A screened value and the sub-field it came from (`Dbtr/Nm`, `CdtrAgt/FinInstnId/BICFI`...).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Field {
    pub field: String,
    pub value: String,
}

/// A country code or address text of a party.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Location {
    pub field: String,
    pub value: String,
    /// True for ISO country codes, false for address / free text.
    pub is_code: bool,
}

/// A transaction amount.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Amount {
    pub value: String,
    pub currency: String,
}

/// Detects whether bytes look like an ISO 20022 payment message.
pub fn looks_like(head: &[u8]) -> bool {
    let s = String::from_utf8_lossy(&head[..head.len().min(4096)]);
    s.contains("pacs.008")
        || s.contains("pain.001")
        || s.contains("FIToFICstmrCdtTrf")
        || s.contains("CstmrCdtTrfInitn")
}

/// Parses a pacs.008 or pain.001 message into parties to screen.
pub fn parse(source_name: &str, data: &[u8]) -> Result<Vec<Party>, ParseError> {
    let text = decode_text(source_name, data)?;
    let root = parse_document(source_name, &text)?;
    let mut msgs = Vec::new();
    root.descendants("FIToFICstmrCdtTrf", &mut msgs);
    let mut is_pacs = !msgs.is_empty();
    if root.name == "FIToFICstmrCdtTrf" {
        msgs.push(&root);
        is_pacs = true;
    }
    if msgs.is_empty() {
        root.descendants("CstmrCdtTrfInitn", &mut msgs);
        if root.name == "CstmrCdtTrfInitn" {
            msgs.push(&root);
        }
    }
    if msgs.is_empty() {
        return Err(ParseError::at(
            source_name,
            data,
            0,
            "not a pacs.008 (FIToFICstmrCdtTrf) or pain.001 (CstmrCdtTrfInitn) message",
        ));
    }
    let kind = if is_pacs { "pacs.008" } else { "pain.001" };
    let mut out = Vec::new();
    for msg in msgs {
        let msg_id = msg.path_text("GrpHdr/MsgId").unwrap_or("?").to_string();
        let base = format!("{kind} {msg_id}");
        let mut all_tx: Vec<&Element> = Vec::new();
        msg.descendants("CdtTrfTxInf", &mut all_tx);
        let msg_amount = total(&all_tx);
        let mut ctx =
            Ctx { out: &mut out, reference: base.clone(), prefix: "GrpHdr".into(), amount: msg_amount.clone() };
        if let Some(p) = msg.path("GrpHdr/InitgPty") {
            ctx.party("initiating party", "InitgPty", p);
        }
        for role in ["InstgAgt", "InstdAgt"] {
            if let Some(a) = msg.path(&format!("GrpHdr/{role}")) {
                ctx.agent(agent_role(role), role, a);
            }
        }
        if is_pacs {
            for (n, tx) in msg.children("CdtTrfTxInf").enumerate() {
                let r = tx_ref(&base, tx, n);
                transaction(&mut out, &r, "CdtTrfTxInf", tx);
            }
        } else {
            for (pn, pmt) in msg.children("PmtInf").enumerate() {
                let pref = format!(
                    "{base} pmt {}",
                    pmt.text_of("PmtInfId").map(str::to_string).unwrap_or_else(|| (pn + 1).to_string())
                );
                let txs: Vec<&Element> = pmt.children("CdtTrfTxInf").collect();
                let mut ctx =
                    Ctx { out: &mut out, reference: pref.clone(), prefix: "PmtInf".into(), amount: total(&txs) };
                for role in ["Dbtr", "UltmtDbtr"] {
                    if let Some(p) = pmt.child(role) {
                        ctx.party(party_role(role), role, p);
                    }
                }
                if let Some(acct) = pmt.path("DbtrAcct/Id/IBAN") {
                    ctx.iban("debtor account", "DbtrAcct/Id/IBAN", &acct.text);
                }
                if let Some(a) = pmt.child("DbtrAgt") {
                    ctx.agent("debtor agent", "DbtrAgt", a);
                }
                for (n, tx) in txs.iter().enumerate() {
                    let r = tx_ref(&pref, tx, n);
                    transaction(&mut out, &r, "PmtInf/CdtTrfTxInf", tx);
                }
            }
        }
    }
    Ok(out)
}

/// The settlement or instructed amount of one transaction.
fn tx_amount(tx: &Element) -> Option<Amount> {
    for path in ["IntrBkSttlmAmt", "Amt/InstdAmt", "InstdAmt", "Amt/EqvtAmt/Amt"] {
        if let Some(a) = tx.path(path) {
            return Some(Amount {
                value: a.text.trim().to_string(),
                currency: a.attr("Ccy").unwrap_or("").to_string(),
            });
        }
    }
    None
}

/// Sum of the transactions' amounts when they share one currency (exact
/// decimal arithmetic), for parties that belong to several transactions.
fn total(txs: &[&Element]) -> Option<Amount> {
    let amounts: Vec<Amount> = txs.iter().filter_map(|t| tx_amount(t)).collect();
    let first = amounts.first()?;
    if amounts.len() != txs.len() || amounts.iter().any(|a| a.currency != first.currency) {
        return None;
    }
    if amounts.len() == 1 {
        return Some(first.clone());
    }
    const SCALE: i128 = 100_000;
    let mut sum: i128 = 0;
    for a in &amounts {
        let (i, f) = a.value.split_once('.').unwrap_or((&a.value, ""));
        if f.len() > 5 {
            return None;
        }
        let int: i128 = i.parse().ok()?;
        let frac: i128 = if f.is_empty() { 0 } else { format!("{f:0<5}").parse().ok()? };
        sum += int * SCALE + frac;
    }
    let frac = format!("{:05}", sum % SCALE);
    let frac = frac.trim_end_matches('0');
    let frac = if frac.len() < 2 { format!("{frac:0<2}") } else { frac.to_string() };
    Some(Amount { value: format!("{}.{frac}", sum / SCALE), currency: first.currency.clone() })
}

fn tx_ref(base: &str, tx: &Element, n: usize) -> String {
    match tx.path_text("PmtId/EndToEndId").or(tx.path_text("PmtId/TxId")) {
        Some(e) => format!("{base} tx {e}"),
        None => format!("{base} tx #{}", n + 1),
    }
}

fn party_role(tag: &str) -> &'static str {
    match tag {
        "Dbtr" => "debtor",
        "UltmtDbtr" => "ultimate debtor",
        "Cdtr" => "creditor",
        "UltmtCdtr" => "ultimate creditor",
        "InitgPty" => "initiating party",
        _ => "party",
    }
}

fn agent_role(tag: &str) -> &'static str {
    match tag {
        "DbtrAgt" => "debtor agent",
        "CdtrAgt" => "creditor agent",
        "IntrmyAgt1" => "intermediary agent 1",
        "IntrmyAgt2" => "intermediary agent 2",
        "IntrmyAgt3" => "intermediary agent 3",
        "InstgAgt" => "instructing agent",
        "InstdAgt" => "instructed agent",
        "PrvsInstgAgt1" => "previous instructing agent 1",
        "PrvsInstgAgt2" => "previous instructing agent 2",
        "PrvsInstgAgt3" => "previous instructing agent 3",
        _ => "agent",
    }
}

/// Where parties go, with the reference, sub-field prefix and amount they share.
struct Ctx<'a> {
    out: &'a mut Vec<Party>,
    reference: String,
    prefix: String,
    amount: Option<Amount>,
}

impl Ctx<'_> {
    fn path(&self, rest: &str) -> String {
        format!("{}/{rest}", self.prefix)
    }

    fn new_party(&self, role: &str, query: Query) -> Party {
        let mut p = Party::new(&self.reference, role, query);
        p.amount = self.amount.clone();
        p
    }

    /// Country codes and address text of a `PstlAdr`.
    fn address(&self, p: &mut Party, base: &str, adr: &Element) {
        if let Some(c) = adr.text_of("Ctry") {
            p.locations.push(Location {
                field: self.path(&format!("{base}/Ctry")),
                value: c.trim().into(),
                is_code: true,
            });
        }
        for tag in ["TwnNm", "TwnLctnNm", "DstrctNm", "CtrySubDvsn", "StrtNm", "BldgNm", "PstCd", "AdrLine"] {
            for (i, e) in adr.children(tag).enumerate() {
                let t = e.text.trim();
                if t.is_empty() {
                    continue;
                }
                let f = if tag == "AdrLine" { format!("{base}/AdrLine[{}]", i + 1) } else { format!("{base}/{tag}") };
                p.locations.push(Location { field: self.path(&f), value: t.to_string(), is_code: false });
            }
        }
    }

    fn push_id(&self, p: &mut Party, kind: IdKind, field: String, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        if kind == IdKind::Bic && value.len() >= 6 {
            // Characters 5–6 of a BIC are its country.
            p.locations.push(Location {
                field: format!("{field} (country)"),
                value: value[4..6].to_ascii_uppercase(),
                is_code: true,
            });
        }
        p.query.identifiers.push(Identifier::new(kind, value, None));
        p.fields.push(Field { field, value: value.to_string() });
    }

    fn party(&mut self, role: &str, tag: &str, p: &Element) {
        let name = p.text_of("Nm").unwrap_or("").trim().to_string();
        let mut party = self.new_party(role, Query { name: name.clone(), ..Default::default() });
        if !name.is_empty() {
            party.fields.push(Field { field: self.path(&format!("{tag}/Nm")), value: name.clone() });
        }
        if let Some(adr) = p.child("PstlAdr") {
            self.address(&mut party, &format!("{tag}/PstlAdr"), adr);
        }
        if let Some(c) = p.text_of("CtryOfRes") {
            party.locations.push(Location {
                field: self.path(&format!("{tag}/CtryOfRes")),
                value: c.trim().into(),
                is_code: true,
            });
        }
        party.query.country = party.locations.iter().find(|l| l.is_code).map(|l| l.value.clone());
        if let Some(org) = p.path("Id/OrgId") {
            party.query.schema = Some(Schema::Organization);
            for t in ["AnyBIC", "BICOrBEI", "BIC"] {
                if let Some(b) = org.text_of(t) {
                    self.push_id(&mut party, IdKind::Bic, self.path(&format!("{tag}/Id/OrgId/{t}")), b);
                }
            }
            if let Some(l) = org.text_of("LEI") {
                self.push_id(&mut party, IdKind::Lei, self.path(&format!("{tag}/Id/OrgId/LEI")), l);
            }
            for (i, o) in org.children("Othr").enumerate() {
                if let Some(id) = o.text_of("Id") {
                    let scheme =
                        o.path_text("SchmeNm/Cd").or(o.path_text("SchmeNm/Prtry")).unwrap_or("").to_ascii_uppercase();
                    let kind = match scheme.as_str() {
                        "TXID" | "INN" => IdKind::TaxId,
                        "OGRN" | "CORP" | "BANK" => IdKind::Registration,
                        _ => IdKind::Registration,
                    };
                    self.push_id(&mut party, kind, self.path(&format!("{tag}/Id/OrgId/Othr[{}]/Id", i + 1)), id);
                }
            }
        }
        if let Some(prv) = p.path("Id/PrvtId") {
            party.query.schema = Some(Schema::Person);
            party.query.birth_date = prv.path_text("DtAndPlcOfBirth/BirthDt").and_then(DateSpec::parse);
            if let Some(c) = prv.path_text("DtAndPlcOfBirth/CtryOfBirth") {
                party.locations.push(Location {
                    field: self.path(&format!("{tag}/Id/PrvtId/DtAndPlcOfBirth/CtryOfBirth")),
                    value: c.trim().into(),
                    is_code: true,
                });
            }
            if let Some(c) = prv.path_text("DtAndPlcOfBirth/CityOfBirth") {
                party.locations.push(Location {
                    field: self.path(&format!("{tag}/Id/PrvtId/DtAndPlcOfBirth/CityOfBirth")),
                    value: c.trim().into(),
                    is_code: false,
                });
            }
            for (i, o) in prv.children("Othr").enumerate() {
                if let Some(id) = o.text_of("Id") {
                    let scheme = o.path_text("SchmeNm/Cd").unwrap_or("").to_ascii_uppercase();
                    let kind = if scheme == "CCPT" { IdKind::Passport } else { IdKind::NationalId };
                    self.push_id(&mut party, kind, self.path(&format!("{tag}/Id/PrvtId/Othr[{}]/Id", i + 1)), id);
                }
            }
        }
        if party.query.name.is_empty() && party.query.identifiers.is_empty() && party.locations.is_empty() {
            return;
        }
        self.out.push(party);
    }

    fn agent(&mut self, role: &str, tag: &str, a: &Element) {
        let Some(fi) = a.child("FinInstnId") else { return };
        let name = fi.text_of("Nm").unwrap_or("").trim().to_string();
        let mut party = self
            .new_party(role, Query { name: name.clone(), schema: Some(Schema::Organization), ..Default::default() });
        if !name.is_empty() {
            party.fields.push(Field { field: self.path(&format!("{tag}/FinInstnId/Nm")), value: name });
        }
        for t in ["BICFI", "BIC"] {
            if let Some(b) = fi.text_of(t) {
                self.push_id(&mut party, IdKind::Bic, self.path(&format!("{tag}/FinInstnId/{t}")), b);
            }
        }
        if let Some(l) = fi.text_of("LEI") {
            self.push_id(&mut party, IdKind::Lei, self.path(&format!("{tag}/FinInstnId/LEI")), l);
        }
        if let Some(m) = fi.child("ClrSysMmbId") {
            if let Some(id) = m.text_of("MmbId") {
                let sys =
                    m.path_text("ClrSysId/Cd").or(m.path_text("ClrSysId/Prtry")).unwrap_or("").to_ascii_uppercase();
                let digits = id.trim().chars().filter(|c| c.is_ascii_digit()).count();
                // Russian bank identification code (BIK): clearing system RUCBC, 9 digits starting 04.
                let bik = sys == "RUCBC" || (sys.is_empty() && digits == 9 && id.trim().starts_with("04"));
                let kind = if bik { IdKind::Bik } else { IdKind::Other };
                self.push_id(&mut party, kind, self.path(&format!("{tag}/FinInstnId/ClrSysMmbId/MmbId")), id);
                if bik {
                    party.locations.push(Location {
                        field: self.path(&format!("{tag}/FinInstnId/ClrSysMmbId (clearing system)")),
                        value: "RU".into(),
                        is_code: true,
                    });
                }
            }
        }
        if let Some(adr) = fi.child("PstlAdr") {
            self.address(&mut party, &format!("{tag}/FinInstnId/PstlAdr"), adr);
        }
        party.query.country =
            party.locations.iter().find(|l| l.is_code && !l.field.ends_with("(country)")).map(|l| l.value.clone());
        if party.query.name.is_empty() && party.query.identifiers.is_empty() && party.locations.is_empty() {
            return;
        }
        self.out.push(party);
    }

    fn iban(&mut self, role: &str, field: &str, iban: &str) {
        let iban = iban.trim();
        if iban.len() < 2 || !iban[..2].chars().all(|c| c.is_ascii_alphabetic()) {
            return;
        }
        let mut p = self.new_party(role, Query::default());
        p.fields.push(Field { field: self.path(field), value: iban.to_string() });
        p.locations.push(Location {
            field: self.path(&format!("{field} (country)")),
            value: iban[..2].to_ascii_uppercase(),
            is_code: true,
        });
        self.out.push(p);
    }

    /// Free text screened in word windows and checked for policy regions.
    fn text(&mut self, role: &str, parts: Vec<(String, String)>) {
        let parts: Vec<(String, String)> = parts.into_iter().filter(|(_, t)| !t.trim().is_empty()).collect();
        if parts.is_empty() {
            return;
        }
        let text = parts.iter().map(|(_, t)| t.trim()).collect::<Vec<_>>().join(" ");
        let identifiers =
            extract_imo_numbers(&text).into_iter().map(|i| Identifier::new(IdKind::Imo, &i, None)).collect();
        let mut p = self.new_party(role, Query { name: text, identifiers, ..Default::default() });
        p.free_text = true;
        for (f, t) in parts {
            p.locations.push(Location { field: self.path(&f), value: t.trim().to_string(), is_code: false });
            p.fields.push(Field { field: self.path(&f), value: t.trim().to_string() });
        }
        self.out.push(p);
    }
}

fn transaction(out: &mut Vec<Party>, r: &str, prefix: &str, tx: &Element) {
    let before = out.len();
    let amount = tx_amount(tx);
    let mut ctx = Ctx { out, reference: r.to_string(), prefix: prefix.to_string(), amount: amount.clone() };
    for role in ["Dbtr", "UltmtDbtr", "Cdtr", "UltmtCdtr", "InitgPty"] {
        if let Some(p) = tx.child(role) {
            ctx.party(party_role(role), role, p);
        }
    }
    for (role, field) in [("debtor account", "DbtrAcct/Id/IBAN"), ("creditor account", "CdtrAcct/Id/IBAN")] {
        if let Some(i) = tx.path(field) {
            ctx.iban(role, field, &i.text);
        }
    }
    for role in [
        "DbtrAgt",
        "CdtrAgt",
        "IntrmyAgt1",
        "IntrmyAgt2",
        "IntrmyAgt3",
        "InstgAgt",
        "InstdAgt",
        "PrvsInstgAgt1",
        "PrvsInstgAgt2",
        "PrvsInstgAgt3",
    ] {
        if let Some(a) = tx.child(role) {
            ctx.agent(agent_role(role), role, a);
        }
    }
    if let Some(rmt) = tx.child("RmtInf") {
        let mut parts: Vec<(String, String)> = rmt
            .children("Ustrd")
            .enumerate()
            .map(|(i, u)| (format!("RmtInf/Ustrd[{}]", i + 1), u.text.clone()))
            .collect();
        let mut addl = Vec::new();
        rmt.descendants("AddtlRmtInf", &mut addl);
        parts.extend(addl.iter().map(|a| ("RmtInf/Strd/AddtlRmtInf".to_string(), a.text.clone())));
        ctx.text("remittance", parts);
    }
    if let Some(purp) = tx.child("Purp") {
        let mut parts = Vec::new();
        if let Some(c) = purp.text_of("Prtry") {
            parts.push(("Purp/Prtry".to_string(), c.to_string()));
        }
        if let Some(c) = purp.text_of("Cd") {
            parts.push(("Purp/Cd".to_string(), c.to_string()));
        }
        ctx.text("purpose", parts);
    }
    for (n, rr) in tx.children("RgltryRptg").enumerate() {
        let base = format!("RgltryRptg[{}]", n + 1);
        let mut parts = Vec::new();
        if let Some(a) = rr.path_text("Authrty/Nm") {
            parts.push((format!("{base}/Authrty/Nm"), a.to_string()));
        }
        for (i, d) in rr.children("Dtls").enumerate() {
            for tag in ["Tp", "Cd"] {
                if let Some(t) = d.text_of(tag) {
                    parts.push((format!("{base}/Dtls[{}]/{tag}", i + 1), t.to_string()));
                }
            }
            for (j, inf) in d.children("Inf").enumerate() {
                parts.push((format!("{base}/Dtls[{}]/Inf[{}]", i + 1, j + 1), inf.text.clone()));
            }
        }
        let codes: Vec<(String, String)> =
            [rr.path_text("Authrty/Ctry").map(|c| (format!("{base}/Authrty/Ctry"), c.to_string()))]
                .into_iter()
                .flatten()
                .chain(rr.children("Dtls").enumerate().filter_map(|(i, d)| {
                    d.text_of("Ctry").map(|c| (format!("{base}/Dtls[{}]/Ctry", i + 1), c.to_string()))
                }))
                .collect();
        let had = ctx.out.len();
        ctx.text("regulatory reporting", parts);
        if !codes.is_empty() {
            if ctx.out.len() == had {
                let p = ctx.new_party("regulatory reporting", Query::default());
                ctx.out.push(p);
            }
            let last = ctx.out.last_mut().expect("just pushed");
            for (f, c) in codes {
                last.locations.push(Location {
                    field: format!("{prefix}/{f}"),
                    value: c.trim().to_string(),
                    is_code: true,
                });
            }
        }
    }
    for (tag, role) in
        [("InstrForCdtrAgt", "instruction for creditor agent"), ("InstrForNxtAgt", "instruction for next agent")]
    {
        let parts: Vec<(String, String)> = tx
            .children(tag)
            .enumerate()
            .filter_map(|(i, e)| e.text_of("InstrInf").map(|t| (format!("{tag}[{}]/InstrInf", i + 1), t.to_string())))
            .collect();
        ctx.text(role, parts);
    }
    if out.len() == before {
        let mut p = Party::new(r, "transaction", Query::default());
        p.amount = amount;
        p.note = Some(
            "no screenable party: this transaction has no names, identifiers, agents, addresses or text — it was NOT screened"
                .into(),
        );
        out.push(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACS: &str = r#"<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"><FIToFICstmrCdtTrf>
<GrpHdr><MsgId>M1</MsgId></GrpHdr>
<CdtTrfTxInf><PmtId><EndToEndId>E2E1</EndToEndId></PmtId>
<Dbtr><Nm>ACME GmbH</Nm><PstlAdr><Ctry>DE</Ctry></PstlAdr></Dbtr>
<DbtrAgt><FinInstnId><BICFI>DEUTDEFF</BICFI></FinInstnId></DbtrAgt>
<CdtrAgt><FinInstnId><BICFI>SABRRUMM</BICFI><Nm>Sberbank</Nm></FinInstnId></CdtrAgt>
<Cdtr><Nm>OOO Romashka</Nm><Id><OrgId><Othr><Id>7707083893</Id><SchmeNm><Cd>TXID</Cd></SchmeNm></Othr></OrgId></Id></Cdtr>
<RmtInf><Ustrd>Freight for NS LEADER IMO 9339301</Ustrd></RmtInf>
</CdtTrfTxInf></FIToFICstmrCdtTrf></Document>"#;

    #[test]
    fn extracts_all_parties() {
        let p = parse("t.xml", PACS.as_bytes()).unwrap();
        let roles: Vec<&str> = p.iter().map(|x| x.role.as_str()).collect();
        assert_eq!(roles, vec!["debtor", "creditor", "debtor agent", "creditor agent", "remittance"]);
        assert_eq!(p[1].query.identifiers[0].kind, IdKind::TaxId);
        assert_eq!(p[4].query.identifiers[0].value, "9339301");
        assert!(p[0].reference.contains("E2E1"));
    }

    #[test]
    fn rejects_other_messages() {
        assert!(parse("t.xml", b"<Document><camt/></Document>").is_err());
    }
}
