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

#[test]
fn enc_dec_and_rng_have_help() {
    let out = kcrypto(&["--help"], None, b"");
    let help = text(&out.stdout);
    for word in ["enc", "dec", "rng"] {
        assert!(help.contains(word), "--help lacks {word}:\n{help}");
    }
    for (command, words) in [
        (
            "enc",
            &[
                "--key-hex",
                "--key-serial",
                "--iv-hex",
                "--aad-file",
                "--tag-len",
                "--hex-in",
                "--hex-out",
                "--json",
                "SO_SNDBUF",
            ][..],
        ),
        ("dec", &["writes nothing unless it matches"][..]),
        ("rng", &["--bytes", "--hex", "--json", "stdrng"][..]),
    ] {
        let out = kcrypto(&[command, "--help"], None, b"");
        assert!(out.status.success());
        let help = text(&out.stdout);
        for word in words {
            assert!(
                help.contains(word),
                "{command} --help lacks {word}:\n{help}"
            );
        }
    }
}

#[test]
fn bad_cipher_command_lines_exit_2() {
    for args in [
        &["enc", "-a", "cbc(aes)", "in", "out"][..],
        &[
            "enc",
            "-a",
            "cbc(aes)",
            "--key-hex",
            "00",
            "--key-serial",
            "5",
            "in",
            "out",
        ],
        &["dec", "-a", "cbc(aes)", "--key-hex", "0", "in", "out"],
        &["dec", "-a", "cbc(aes)", "--key-hex", "00", "in"],
        &["enc", "-a", "cbc(aes)", "--key-serial", "x", "in", "out"],
        &["rng", "-n", "many"],
    ] {
        let out = kcrypto(args, None, b"");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn aead_options_on_a_cipher_are_refused_before_any_work() {
    let out = kcrypto(
        &[
            "enc",
            "-a",
            "cbc(aes)",
            "--key-hex",
            "00",
            "--tag-len",
            "8",
            "-",
            "-",
        ],
        None,
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("are for AEADs"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

/// Whether the family the binary will use serves `skcipher`.
fn live_ciphers() -> bool {
    match kcrypto::Cipher::new("cbc(aes)") {
        Ok(_) => true,
        Err(err) => {
            eprintln!("note: skipped, no skcipher type: {err}");
            false
        }
    }
}

#[test]
fn live_round_trips_and_rng() {
    if !live_ciphers() {
        return;
    }
    let key = "000102030405060708090a0b0c0d0e0f";
    let iv = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
    let enc = kcrypto(
        &[
            "enc",
            "-a",
            "ctr(aes)",
            "--key-hex",
            key,
            "--iv-hex",
            iv,
            "-",
            "-",
        ],
        None,
        b"streamed through the kernel",
    );
    assert!(enc.status.success(), "{}", text(&enc.stderr));
    let dec = kcrypto(
        &[
            "dec",
            "-a",
            "ctr(aes)",
            "--key-hex",
            key,
            "--iv-hex",
            iv,
            "-",
            "-",
        ],
        None,
        &enc.stdout,
    );
    assert_eq!(dec.stdout, b"streamed through the kernel");

    let sealed = kcrypto(
        &[
            "enc",
            "-a",
            "gcm(aes)",
            "--key-hex",
            key,
            "--iv-hex",
            &iv[..24],
            "-",
            "-",
        ],
        None,
        b"sealed",
    );
    assert_eq!(sealed.stdout.len(), 6 + 16, "{}", text(&sealed.stderr));
    let mut bad = sealed.stdout.clone();
    bad[0] ^= 1;
    let out = kcrypto(
        &[
            "dec",
            "-a",
            "gcm(aes)",
            "--key-hex",
            key,
            "--iv-hex",
            &iv[..24],
            "-",
            "-",
        ],
        None,
        &bad,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("authentication failed"));

    let out = kcrypto(&["rng", "-n", "1000"], None, b"");
    assert_eq!(out.stdout.len(), 1000, "{}", text(&out.stderr));
}
