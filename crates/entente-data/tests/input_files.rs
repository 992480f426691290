//! A dataset file must be a regular file: a FIFO given as a data file is refused at once (it used to hang), and
//! so is a folder standing where a file should be (issue 14).

#![cfg(unix)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

fn mini() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/mini")
}

fn copy_fixture(to: &std::path::Path) {
    for name in entente_data::TOML_FILES.iter().chain(entente_data::CSV_FILES.iter()) {
        std::fs::copy(mini().join(name), to.join(name)).unwrap();
    }
}

#[test]
fn a_fifo_as_a_data_file_is_refused_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    let fifo = dir.path().join("claims.toml");
    std::fs::remove_file(&fifo).unwrap();
    let st = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(st.success());
    let start = Instant::now();
    let err = entente_data::load_dir(dir.path()).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(5));
    let text = err.to_string();
    assert!(text.contains("claims.toml") && text.contains("regular file"), "{text}");
}

#[test]
fn a_folder_in_place_of_a_data_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    std::fs::remove_file(dir.path().join("trade.csv")).unwrap();
    std::fs::create_dir(dir.path().join("trade.csv")).unwrap();
    let text = entente_data::load_dir(dir.path()).unwrap_err().to_string();
    assert!(text.contains("trade.csv") && text.contains("a folder"), "{text}");
}

#[test]
fn a_symlinked_data_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    let real = dir.path().join("real-claims.toml");
    std::fs::rename(dir.path().join("claims.toml"), &real).unwrap();
    std::os::unix::fs::symlink(&real, dir.path().join("claims.toml")).unwrap();
    assert!(entente_data::load_dir(dir.path()).is_ok());
}
