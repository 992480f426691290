//! Each command's JSON validates against its published schema in docs/schemas/ (written by
//! docs/schemas/generate.py): a field removed, renamed or retyped without raising `schema_version` fails here.

use assert_cmd::Command;
use std::path::PathBuf;

fn schema(name: &str) -> serde_json::Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/schemas").join(format!("{name}.schema.json"));
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).unwrap()
}

fn output(args: &[&str]) -> serde_json::Value {
    // `model` prints only JSON and takes no --format
    let format: &[&str] = if args[0] == "model" { &[] } else { &["--format", "json"] };
    let out = Command::cargo_bin("entente").unwrap().args(args).args(format).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn validate(name: &str, args: &[&str]) {
    let s = schema(name);
    let v = jsonschema::validator_for(&s).unwrap_or_else(|e| panic!("{name}: invalid schema: {e}"));
    let data = output(args);
    let errors: Vec<String> = v.iter_errors(&data).take(5).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{name}: {errors:#?}");
}

#[test]
fn every_command_output_validates_against_its_schema() {
    validate("assess", &["assess", "--items", "--samples", "2000"]);
    validate("explain", &["explain", "shells-152mm", "--samples", "2000"]);
    validate("compare", &["compare", "--samples", "2000"]);
    validate("sensitivity", &["sensitivity", "--samples", "2000"]);
    validate("history", &["history", "--samples", "2000"]);
    validate("timeline", &["timeline", "--samples", "2000"]);
    validate("triangulate", &["triangulate", "--samples", "2000"]);
    validate("trade", &["trade"]);
    validate("meetings", &["meetings"]);
    validate("model", &["model"]);
}

#[test]
fn a_schema_catches_a_removed_or_retyped_field_and_a_wrong_version() {
    let s = schema("assess");
    let v = jsonschema::validator_for(&s).unwrap();
    let good = output(&["assess", "--items", "--samples", "2000"]);
    assert!(v.is_valid(&good));
    let mut removed = good.clone();
    removed.as_object_mut().unwrap().remove("figures");
    assert!(!v.is_valid(&removed));
    let mut retyped = good.clone();
    retyped["samples"] = serde_json::json!("many");
    assert!(!v.is_valid(&retyped));
    let mut version = good;
    version["schema_version"] = serde_json::json!(2);
    assert!(!v.is_valid(&version));
}
