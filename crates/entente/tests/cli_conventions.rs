//! CLI conventions (issue 14, after ripgrep and hyperfine): values and ranges in `--help`, examples, `--data`
//! everywhere, no silently ignored flags, shell completions and a man page, `--quiet`, tables that fit the width.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::PathBuf;

fn entente() -> Command {
    Command::cargo_bin("entente").unwrap()
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/mini")
}

fn stdout(args: &[&str]) -> String {
    let out = entente().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn help_lists_the_format_values_and_the_samples_range() {
    let h = stdout(&["assess", "--help"]);
    for v in ["table", "json", "csv", "markdown"] {
        assert!(h.contains(&format!("- {v}:")), "{v} missing from:\n{h}");
    }
    assert!(h.contains("100 to 100,000,000"), "{h}");
    assert!(h.contains("[default: 200000]"), "{h}");
    // a wrong value names the valid ones
    entente()
        .args(["assess", "--format", "xml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("[possible values: table, json, csv, markdown]"));
}

#[test]
fn help_has_examples_and_exit_codes() {
    let h = stdout(&["--help"]);
    assert!(h.contains("Examples:") && h.contains("entente report -o report.html"), "{h}");
    assert!(h.contains("Exit codes:"), "{h}");
    assert!(h.contains("--quiet"), "{h}");
}

#[test]
fn validate_takes_data_like_every_command_and_keeps_the_positional_as_deprecated() {
    let f = fixture();
    let f = f.to_str().unwrap();
    entente().args(["validate", "--data", f]).assert().success().stdout(predicate::str::contains("valid"));
    entente()
        .args(["validate", f])
        .assert()
        .success()
        .stderr(predicate::str::contains("deprecated; use `entente validate --data DIR`"));
    entente().args(["validate", "--data", f, f]).assert().code(2);
}

#[test]
fn model_refuses_the_sampling_flags_it_would_ignore() {
    for flag in ["--samples", "--seed"] {
        entente()
            .args(["model", flag, "5000"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!("drop `{flag}`")));
    }
    assert!(!stdout(&["model", "--help"]).contains("--samples"));
    entente().args(["model"]).assert().success();
}

#[test]
fn completions_and_man_page() {
    let bash = stdout(&["completions", "bash"]);
    assert!(bash.contains("_entente()") && bash.contains("complete -F _entente"), "{}", &bash[..200]);
    assert!(bash.contains("--format"));
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        assert!(!stdout(&["completions", shell]).is_empty());
    }
    entente().args(["completions", "tcsh"]).assert().code(2);
    let man = stdout(&["man"]);
    assert!(man.contains(".TH entente 1") && man.contains(".SH SUBCOMMANDS"), "{}", &man[..300.min(man.len())]);
}

#[test]
fn quiet_silences_the_notes_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.html");
    let run = |quiet: bool| {
        let mut c = entente();
        c.args(["report", "--samples", "2000", "-o", out.to_str().unwrap(), "--data", fixture().to_str().unwrap()]);
        if quiet {
            c.arg("--quiet");
        }
        c.output().unwrap()
    };
    let loud = run(false);
    assert!(String::from_utf8_lossy(&loud.stderr).contains("wrote"));
    let quiet = run(true);
    assert!(quiet.status.success());
    assert!(quiet.stderr.is_empty(), "{}", String::from_utf8_lossy(&quiet.stderr));
}

#[test]
fn tables_fit_the_terminal_width() {
    let out = entente().env("COLUMNS", "100").args(["history", "--samples", "2000"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let widest = text.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(widest <= 100, "a line of {widest} characters:\n{text}");
    // piped without COLUMNS, rows stay whole (one line per row) for grep and friends
    let out = entente().env_remove("COLUMNS").args(["history", "--samples", "2000"]).output().unwrap();
    let piped = String::from_utf8(out.stdout).unwrap();
    assert!(piped.lines().map(|l| l.chars().count()).max().unwrap() > 100);
}
