// SPDX-License-Identifier: GPL-2.0

//! The `kcrypto` binary as a user runs it. Tests that need a live socket
//! family print a note and pass where there is none.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const ABC_SHA256: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

fn kcrypto(args: &[&str], env: Option<(&str, &str)>, stdin: &[u8]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kcrypto"));
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some((name, value)) = env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("run kcrypto");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("wait for kcrypto")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch file holding `contents`, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(tag: &str, contents: &[u8]) -> TempFile {
        let path =
            std::env::temp_dir().join(format!("kcrypto-cli-test-{}-{tag}", std::process::id()));
        std::fs::write(&path, contents).expect("write temp file");
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("temp paths are UTF-8 here")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Whether the family the binary will use exists; prints a note if not.
fn live() -> bool {
    match kcrypto::Hash::new("sha256") {
        Ok(_) => true,
        Err(err) if err.is_unavailable() => {
            eprintln!("note: skipped, no socket family: {err}");
            false
        }
        Err(err) => panic!("sha256: {err}"),
    }
}

#[test]
fn help_describes_the_commands() {
    let out = kcrypto(&["--help"], None, b"");
    assert!(out.status.success());
    let help = text(&out.stdout);
    assert!(help.contains("dgst"), "{help}");
    assert!(help.contains("KCRYPTO_FAMILY"), "{help}");

    let out = kcrypto(&["dgst", "--help"], None, b"");
    assert!(out.status.success());
    let help = text(&out.stdout);
    for word in [
        "--algorithm",
        "--hmac-key",
        "--hmac-key-file",
        "--json",
        "sha256sum -c",
    ] {
        assert!(help.contains(word), "dgst --help lacks {word}:\n{help}");
    }
}

#[test]
fn bad_command_lines_exit_2() {
    for args in [
        &["dgst", "-a", "hmac(sha256)", "--hmac-key", "zz"][..],
        &["dgst", "-a", "hmac(sha256)", "--hmac-key", "abc"],
        &[
            "dgst",
            "-a",
            "x",
            "--hmac-key",
            "00",
            "--hmac-key-file",
            "k",
        ],
        &["dgst"],
        &["no-such-command"],
    ] {
        let out = kcrypto(args, None, b"");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    let out = kcrypto(&["dgst", "-a", "sha256", "--hmac-key", "0g"], None, b"");
    assert!(text(&out.stderr).contains("not a hex key"));
}

#[test]
fn a_bad_family_variable_is_named() {
    let out = kcrypto(
        &["dgst", "-a", "sha256"],
        Some(("KCRYPTO_FAMILY", "banana")),
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("KCRYPTO_FAMILY: \"banana\" is not a socket family number"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_missing_family_is_one_clear_error() {
    let err = match kcrypto::Hash::new("sha256") {
        Err(err) if err.is_unavailable() => err,
        _ => {
            eprintln!("note: skipped, this machine has the family");
            return;
        }
    };
    let file = TempFile::new("missing-family", b"abc");
    let out = kcrypto(&["dgst", "-a", "sha256", file.path()], None, b"");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("kcrypto dgst: "), "{stderr}");
    assert!(stderr.contains(&err.to_string()), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn live_digest_of_file_and_stdin() {
    if !live() {
        return;
    }
    let file = TempFile::new("abc", b"abc");
    let out = kcrypto(&["dgst", "-a", "sha256", file.path(), "-"], None, b"abc");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!("{ABC_SHA256}  {}\n{ABC_SHA256}  -\n", file.path())
    );

    let out = kcrypto(&["dgst", "-a", "sha256", "--json"], None, b"abc");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!("{{\"algorithm\":\"sha256\",\"file\":\"-\",\"digest\":\"{ABC_SHA256}\"}}\n")
    );
}

#[test]
fn live_errors_per_file_and_per_algorithm() {
    if !live() {
        return;
    }
    let file = TempFile::new("errors", b"abc");
    let out = kcrypto(
        &["dgst", "-a", "sha256", "/no/such/file", file.path()],
        None,
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        format!("{ABC_SHA256}  {}\n", file.path())
    );
    assert!(text(&out.stderr).contains("/no/such/file: No such file or directory"));

    let out = kcrypto(&["dgst", "-a", "hmac(sha256)"], None, b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("needs a key"));

    let out = kcrypto(&["dgst", "-a", "no-such-algorithm"], None, b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no such hash algorithm"));

    // RFC 4231 test case 2.
    let out = kcrypto(
        &["dgst", "-a", "hmac(sha256)", "--hmac-key", "4a656665"],
        None,
        b"what do ya want for nothing?",
    );
    assert_eq!(
        text(&out.stdout),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843  -\n"
    );
}
