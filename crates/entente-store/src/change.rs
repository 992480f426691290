//! Change sets on the ledger, applied purely to a dataset's files and validated with `entente_data`.

use crate::ledger::{self, Record};
use entente_data::{DataErrors, Files};
use std::collections::BTreeMap;

/// What an edit does to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    Add,
    Update,
    Delete,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
}

impl std::str::FromStr for Op {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "add" => Ok(Op::Add),
            "update" => Ok(Op::Update),
            "delete" => Ok(Op::Delete),
            _ => Err(format!("unknown edit operation `{s}` (add, update, delete)")),
        }
    }
}

/// One edit of one record. `text` is the record's whole new text (its comments, header and keys; for CSV the
/// row with its line end) for Add and Update, None for Delete. For Add, `id` may be empty: the id is then the
/// one the new record's text gives it (see [`crate::ledger`]); when given it must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub file: String,
    pub id: String,
    pub op: Op,
    pub text: Option<String>,
}

/// A proposed change of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChangeSet {
    pub note: String,
    pub edits: Vec<Edit>,
}

/// A validation error placed on a record: the dataset file, the record's id (empty when the error has no
/// record, e.g. a missing file), the field at fault (empty when the whole record is) and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub file: String,
    pub id: String,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if !self.id.is_empty() {
            write!(f, " {}", self.id)?;
        }
        if !self.field.is_empty() {
            write!(f, " {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// An edit resolved against a ledger: the record id and its text before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedEdit {
    pub file: String,
    pub id: String,
    pub op: Op,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Validates a whole dataset: `entente_data::load`, and `actors.toml` against it when present.
pub fn validate(files: &Files) -> Result<(), DataErrors> {
    let ds = entente_data::load(files)?;
    if let Some(text) = files.files.get(entente_data::actors::ACTORS_FILE) {
        entente_data::actors::load_actors(entente_data::actors::ACTORS_FILE, text, &ds)?;
    }
    Ok(())
}

/// Maps dataset errors onto the records of `files` (the record holding each error's line).
pub fn field_errors(files: &Files, errors: &DataErrors) -> Vec<FieldError> {
    let mut split: BTreeMap<&str, Vec<Record>> = BTreeMap::new();
    errors
        .0
        .iter()
        .map(|e| {
            let id = match (files.files.get(&e.file), e.line) {
                (Some(text), Some(line)) => {
                    let recs = split.entry(e.file.as_str()).or_insert_with(|| ledger::split(&e.file, text));
                    record_at_line(recs, line).unwrap_or_default()
                }
                _ => String::new(),
            };
            let message = if e.path.is_empty() { e.message.clone() } else { format!("{}: {}", e.path, e.message) };
            let message = match e.line {
                Some(l) => format!("{message} (line {l})"),
                None => message,
            };
            FieldError { file: e.file.clone(), id, field: e.field.clone(), message }
        })
        .collect()
}

fn record_at_line(recs: &[Record], line: usize) -> Option<String> {
    let mut start = 1usize;
    for r in recs {
        let n = r.text.matches('\n').count() + usize::from(!r.text.is_empty() && !r.text.ends_with('\n'));
        if line >= start && line < start + n.max(1) {
            return Some(r.id.clone());
        }
        start += n;
    }
    None
}

fn err(e: &Edit, field: &str, message: impl Into<String>) -> FieldError {
    FieldError { file: e.file.clone(), id: e.id.clone(), field: field.into(), message: message.into() }
}

/// Applies a change to the files without validating the result: each edit resolved to its record, and the
/// resulting files. Errors are problems with the edits themselves (unknown file or record, text that is not
/// exactly one record of the file's kind).
pub fn apply_edits(files: &Files, change: &ChangeSet) -> Result<(Files, Vec<ResolvedEdit>), Vec<FieldError>> {
    let mut split: BTreeMap<String, Vec<Record>> = BTreeMap::new();
    let mut errors = Vec::new();
    let mut resolved = Vec::new();
    if change.edits.is_empty() {
        return Err(vec![FieldError {
            file: String::new(),
            id: String::new(),
            field: String::new(),
            message: "the change has no edits".into(),
        }]);
    }
    for e in &change.edits {
        let Some(text) = files.files.get(&e.file) else {
            errors.push(err(e, "file", format!("no dataset file `{}`", e.file)));
            continue;
        };
        let recs = split.entry(e.file.clone()).or_insert_with(|| ledger::split(&e.file, text));
        let mut new_text = match (&e.op, &e.text) {
            (Op::Delete, _) => None,
            (_, Some(t)) if t.trim().is_empty() => {
                errors.push(err(e, "text", "the record's text is empty"));
                continue;
            }
            (_, Some(t)) => Some(t.clone()),
            (_, None) => {
                errors.push(err(e, "text", "an add or update needs the record's text"));
                continue;
            }
        };
        if let Some(t) = &mut new_text {
            if !t.ends_with('\n') {
                t.push('\n');
            }
        }
        match e.op {
            Op::Update | Op::Delete => {
                let Some(i) = recs.iter().position(|r| r.id == e.id) else {
                    errors.push(err(e, "id", format!("no record `{}` in {}", e.id, e.file)));
                    continue;
                };
                if recs[i].kind == "preamble" || recs[i].kind == "header" {
                    if e.op == Op::Delete {
                        errors.push(err(e, "id", "the file's preamble or header cannot be deleted"));
                        continue;
                    }
                } else if let Some(t) = &new_text {
                    match single_record(&e.file, t) {
                        Ok(kind) if kind == recs[i].kind => {}
                        Ok(kind) => {
                            errors.push(err(
                                e,
                                "text",
                                format!("the record is a `{}`, the text a `{kind}`", recs[i].kind),
                            ));
                            continue;
                        }
                        Err(m) => {
                            errors.push(err(e, "text", m));
                            continue;
                        }
                    }
                }
                let before = recs[i].text.clone();
                if new_text.as_ref() == Some(&before) {
                    errors.push(err(e, "text", "nothing changed: the text is the record's current text"));
                    continue;
                }
                match &new_text {
                    Some(t) => recs[i].text = t.clone(),
                    None => {
                        recs.remove(i);
                    }
                }
                resolved.push(ResolvedEdit {
                    file: e.file.clone(),
                    id: e.id.clone(),
                    op: e.op,
                    before: Some(before),
                    after: new_text,
                });
            }
            Op::Add => {
                let t = new_text.unwrap_or_default();
                let kind = match single_record(&e.file, &t) {
                    Ok(k) => k,
                    Err(m) => {
                        errors.push(err(e, "text", m));
                        continue;
                    }
                };
                // after the last record of the same kind, else at the end; a file without a final line end gets one
                let at = recs.iter().rposition(|r| r.kind == kind).map(|i| i + 1).unwrap_or(recs.len());
                if at > 0 && !recs[at - 1].text.ends_with('\n') && !recs[at - 1].text.is_empty() {
                    recs[at - 1].text.push('\n');
                }
                recs.insert(at, Record { file: e.file.clone(), kind, id: String::new(), position: 0, text: t.clone() });
                resolved.push(ResolvedEdit {
                    file: e.file.clone(),
                    id: e.id.clone(),
                    op: Op::Add,
                    before: None,
                    after: Some(t),
                });
            }
        }
        for (i, r) in recs.iter_mut().enumerate() {
            r.position = i as i64;
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = files.files.clone();
    for (name, recs) in &split {
        out.insert(name.clone(), ledger::assemble(recs));
    }
    // the ids of added records are the ones the new files give them; each edited text must stay one record
    for (r, e) in resolved.iter_mut().zip(&change.edits) {
        let new_split = ledger::split(&r.file, &out[&r.file]);
        if let Some(after) = &r.after {
            let found: Vec<&Record> = new_split.iter().filter(|x| &x.text == after).collect();
            if found.is_empty() {
                errors.push(err(e, "text", "the text does not stand as one record in the file"));
                continue;
            }
            if r.op == Op::Add {
                let id = found.last().unwrap().id.clone();
                if !e.id.is_empty() && e.id != id {
                    errors.push(err(e, "id", format!("the new record's id is `{id}`, not `{}`", e.id)));
                }
                r.id = id;
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((Files { files: out }, resolved))
}

/// The kind of the one record `text` holds, or why it is not one record.
fn single_record(file: &str, text: &str) -> Result<String, String> {
    if ledger::is_csv(file) {
        return if text.trim_end_matches('\n').contains('\n') && text.matches('"').count() & 1 == 0 {
            Err("a CSV record is one row".into())
        } else {
            Ok("row".into())
        };
    }
    let recs = ledger::split(file, text);
    let body: Vec<&Record> = recs.iter().filter(|r| r.kind != "preamble").collect();
    let preamble_ok = recs.iter().filter(|r| r.kind == "preamble").all(|r| r.text.trim().is_empty());
    match body.as_slice() {
        [one] if preamble_ok => Ok(one.kind.clone()),
        [] => Err(match toml_edit::ImDocument::parse(text) {
            Err(e) => format!("not valid TOML: {}", e.message().trim()),
            Ok(_) => "the text holds no [[table]] record".into(),
        }),
        _ if !preamble_ok => Err("keys before the record's [[table]] header".into()),
        _ => Err(format!("the text holds {} records; a record is one top-level [[table]]", body.len())),
    }
}

/// Applies a change and validates the result with the dataset validator; errors are mapped onto records.
pub fn apply(files: &Files, change: &ChangeSet) -> Result<Files, Vec<FieldError>> {
    apply_resolved(files, change).map(|(f, _)| f)
}

/// [`apply`], also returning each edit resolved (ids of added records, texts before and after).
pub fn apply_resolved(files: &Files, change: &ChangeSet) -> Result<(Files, Vec<ResolvedEdit>), Vec<FieldError>> {
    let (out, resolved) = apply_edits(files, change)?;
    match validate(&out) {
        Ok(()) => Ok((out, resolved)),
        Err(e) => Err(field_errors(&out, &e)),
    }
}
