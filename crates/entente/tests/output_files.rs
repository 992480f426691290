//! Output files and numbers (issue 14): `-o` writes through symbolic links, refuses folders, FIFOs and devices
//! with exit 2, `-o -` is standard output; a FIFO as a data file is refused at once; impossible numbers fail
//! validation naming the file; a run too large for the memory is refused up front; a closed pipe is not an error.

#![cfg(unix)]

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn entente() -> Command {
    let mut c = Command::cargo_bin("entente").unwrap();
    c.timeout(std::time::Duration::from_secs(120));
    c
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/mini")
}

fn copy_fixture(to: &Path) {
    for e in std::fs::read_dir(fixture()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn mkfifo(p: &Path) {
    assert!(std::process::Command::new("mkfifo").arg(p).status().unwrap().success());
}

const FAST: [&str; 2] = ["--samples", "2000"];

fn report_args(out: &Path) -> Vec<String> {
    let mut v: Vec<String> = vec!["report".into(), "-q".into(), "-o".into(), out.display().to_string()];
    v.extend(FAST.iter().map(|s| s.to_string()));
    v.push("--data".into());
    v.push(fixture().display().to_string());
    v
}

#[test]
fn report_through_a_symlink_keeps_the_link_and_writes_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.html");
    std::fs::write(&real, "old").unwrap();
    let link = dir.path().join("link.html");
    std::os::unix::fs::symlink("real.html", &link).unwrap();
    entente().args(report_args(&link)).assert().success();
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link was replaced");
    let text = std::fs::read_to_string(&real).unwrap();
    assert!(text.starts_with("<!DOCTYPE html>"), "the target was not written");
}

#[test]
fn report_keeps_the_permissions_of_the_file_it_replaces() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.html");
    std::fs::write(&out, "old").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o640)).unwrap();
    entente().args(report_args(&out)).assert().success();
    assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o640);
    assert!(std::fs::read_to_string(&out).unwrap().starts_with("<!DOCTYPE html>"));
}

#[test]
fn report_to_a_fifo_a_folder_or_a_device_exits_2_without_touching_it() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    entente().args(report_args(&fifo)).assert().code(2).stderr(predicate::str::contains("it is a FIFO"));
    assert!(std::os::unix::fs::FileTypeExt::is_fifo(&std::fs::metadata(&fifo).unwrap().file_type()));
    entente().args(report_args(dir.path())).assert().code(2).stderr(predicate::str::contains("it is a folder"));
    entente()
        .args(report_args(Path::new("/dev/null")))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("it is a device"));
    // a link to a FIFO is refused the same way
    let link = dir.path().join("to-pipe");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    entente().args(report_args(&link)).assert().code(2).stderr(predicate::str::contains("FIFO"));
    entente()
        .args(report_args(&dir.path().join("no/such/folder/r.html")))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not an existing folder"));
}

#[test]
fn report_to_dash_writes_standard_output_and_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = entente().current_dir(dir.path()).args(report_args(Path::new("-"))).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("<!DOCTYPE html>"));
    assert!(!dir.path().join("-").exists(), "a file named - was written");
}

#[test]
fn a_fifo_as_a_data_file_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    std::fs::remove_file(dir.path().join("items.toml")).unwrap();
    mkfifo(&dir.path().join("items.toml"));
    entente()
        .args(["validate", "--data", dir.path().to_str().unwrap()])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("items.toml").and(predicate::str::contains("regular file")));
}

#[test]
fn a_fifo_as_a_gdelt_file_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("events.csv");
    mkfifo(&fifo);
    entente()
        .args(["meetings", "--gdelt", fifo.to_str().unwrap()])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a regular file"));
}

#[test]
fn high_1e308_fails_validation_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    let p = dir.path().join("variables.toml");
    let text = std::fs::read_to_string(&p).unwrap().replacen("low = 400\nhigh = 480", "low = 400\nhigh = 1e308", 1);
    std::fs::write(&p, text).unwrap();
    entente()
        .args(["validate", "--data", dir.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("variables.toml:24: variable[1] (shells_per_container).high"));
    // and `assess` refuses the same dataset instead of printing plausible totals
    entente().args(["assess", "--data", dir.path().to_str().unwrap()]).assert().code(2).stdout("");
}

#[test]
fn an_impossible_truncation_fails_validation_not_sampling() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    let p = dir.path().join("variables.toml");
    let text =
        std::fs::read_to_string(&p).unwrap().replacen("low = 400\nhigh = 480", "low = 400\nhigh = 480\nmin = 900", 1);
    std::fs::write(&p, text).unwrap();
    entente()
        .args(["validate", "--data", dir.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("variables.toml:25").and(predicate::str::contains("none of its probability")))
        .stderr(predicate::str::contains("Some(").not());
}

#[test]
fn a_run_larger_than_the_memory_is_refused_up_front_with_what_it_needs() {
    // explain keeps every node: 100M samples of the embedded model need ~100 GB, more than any CI machine here
    entente()
        .args(["explain", "shells-152mm", "--samples", "100000000"])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("samples would need about").and(predicate::str::contains("is available")));
}

#[test]
fn a_closed_pipe_ends_quietly_with_exit_0() {
    for args in [&["assess"][..], &["trade"], &["completions", "bash"], &["assess", "--format", "json"]] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("entente"))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader goes away before anything is written
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stderr.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}
