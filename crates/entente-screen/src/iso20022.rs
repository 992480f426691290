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
        if let Some(p) = msg.path("GrpHdr/InitgPty") {
            push_party(&mut out, &base, "initiating party", p);
        }
        for role in ["InstgAgt", "InstdAgt"] {
            if let Some(a) = msg.path(&format!("GrpHdr/{role}")) {
                push_agent(&mut out, &base, agent_role(role), a);
            }
        }
        if is_pacs {
            for (n, tx) in msg.children("CdtTrfTxInf").enumerate() {
                let r = tx_ref(&base, tx, n);
                transaction(&mut out, &r, tx);
            }
        } else {
            for (pn, pmt) in msg.children("PmtInf").enumerate() {
                let pref = format!(
                    "{base} pmt {}",
                    pmt.text_of("PmtInfId").map(str::to_string).unwrap_or_else(|| (pn + 1).to_string())
                );
                for role in ["Dbtr", "UltmtDbtr"] {
                    if let Some(p) = pmt.child(role) {
                        push_party(&mut out, &pref, party_role(role), p);
                    }
                }
                if let Some(a) = pmt.child("DbtrAgt") {
                    push_agent(&mut out, &pref, "debtor agent", a);
                }
                for (n, tx) in pmt.children("CdtTrfTxInf").enumerate() {
                    let r = tx_ref(&pref, tx, n);
                    transaction(&mut out, &r, tx);
                }
            }
        }
    }
    Ok(out)
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
        "PrvsInstgAgt1" => "previous instructing agent",
        _ => "agent",
    }
}

fn transaction(out: &mut Vec<Party>, r: &str, tx: &Element) {
    for role in ["Dbtr", "UltmtDbtr", "Cdtr", "UltmtCdtr", "InitgPty"] {
        if let Some(p) = tx.child(role) {
            push_party(out, r, party_role(role), p);
        }
    }
    for role in
        ["DbtrAgt", "CdtrAgt", "IntrmyAgt1", "IntrmyAgt2", "IntrmyAgt3", "InstgAgt", "InstdAgt", "PrvsInstgAgt1"]
    {
        if let Some(a) = tx.child(role) {
            push_agent(out, r, agent_role(role), a);
        }
    }
    if let Some(rmt) = tx.child("RmtInf") {
        let mut texts: Vec<String> = rmt.children("Ustrd").map(|u| u.text.trim().to_string()).collect();
        let mut addl = Vec::new();
        rmt.descendants("AddtlRmtInf", &mut addl);
        texts.extend(addl.iter().map(|a| a.text.trim().to_string()));
        let text = texts.into_iter().filter(|t| !t.is_empty()).collect::<Vec<_>>().join(" ");
        if !text.is_empty() {
            let identifiers =
                extract_imo_numbers(&text).into_iter().map(|i| Identifier::new(IdKind::Imo, &i, None)).collect();
            out.push(Party {
                reference: r.to_string(),
                role: "remittance".into(),
                query: Query { name: text, identifiers, ..Default::default() },
                free_text: true,
            });
        }
    }
}

fn push_party(out: &mut Vec<Party>, r: &str, role: &str, p: &Element) {
    let name = p.text_of("Nm").unwrap_or("").to_string();
    let country = p.path_text("PstlAdr/Ctry").or(p.text_of("CtryOfRes")).map(str::to_string);
    let mut ids = Vec::new();
    let mut schema = None;
    if let Some(org) = p.path("Id/OrgId") {
        schema = Some(Schema::Organization);
        for tag in ["AnyBIC", "BICOrBEI", "BIC"] {
            if let Some(b) = org.text_of(tag) {
                ids.push(Identifier::new(IdKind::Bic, b, None));
            }
        }
        if let Some(l) = org.text_of("LEI") {
            ids.push(Identifier::new(IdKind::Lei, l, None));
        }
        for o in org.children("Othr") {
            if let Some(id) = o.text_of("Id") {
                let scheme =
                    o.path_text("SchmeNm/Cd").or(o.path_text("SchmeNm/Prtry")).unwrap_or("").to_ascii_uppercase();
                let kind = match scheme.as_str() {
                    "TXID" | "INN" => IdKind::TaxId,
                    "OGRN" | "CORP" | "BANK" => IdKind::Registration,
                    _ => IdKind::Registration,
                };
                ids.push(Identifier::new(kind, id, None));
            }
        }
    }
    let mut birth_date = None;
    if let Some(prv) = p.path("Id/PrvtId") {
        schema = Some(Schema::Person);
        birth_date = prv.path_text("DtAndPlcOfBirth/BirthDt").and_then(DateSpec::parse);
        for o in prv.children("Othr") {
            if let Some(id) = o.text_of("Id") {
                let scheme = o.path_text("SchmeNm/Cd").unwrap_or("").to_ascii_uppercase();
                let kind = if scheme == "CCPT" { IdKind::Passport } else { IdKind::NationalId };
                ids.push(Identifier::new(kind, id, None));
            }
        }
    }
    if name.is_empty() && ids.is_empty() {
        return;
    }
    out.push(Party {
        reference: r.to_string(),
        role: role.to_string(),
        query: Query { name, schema, birth_date, country, identifiers: ids },
        free_text: false,
    });
}

fn push_agent(out: &mut Vec<Party>, r: &str, role: &str, a: &Element) {
    let Some(fi) = a.child("FinInstnId") else { return };
    let name = fi.text_of("Nm").unwrap_or("").to_string();
    let mut ids = Vec::new();
    for tag in ["BICFI", "BIC"] {
        if let Some(b) = fi.text_of(tag) {
            ids.push(Identifier::new(IdKind::Bic, b, None));
        }
    }
    if let Some(l) = fi.text_of("LEI") {
        ids.push(Identifier::new(IdKind::Lei, l, None));
    }
    if name.is_empty() && ids.is_empty() {
        return;
    }
    out.push(Party {
        reference: r.to_string(),
        role: role.to_string(),
        query: Query {
            name,
            schema: Some(Schema::Organization),
            country: fi.path_text("PstlAdr/Ctry").map(str::to_string),
            identifiers: ids,
            ..Default::default()
        },
        free_text: false,
    });
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
