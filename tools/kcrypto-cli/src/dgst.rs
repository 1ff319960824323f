// SPDX-License-Identifier: GPL-2.0

//! `kcrypto dgst`: digests of files, computed in the kernel.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kcrypto::{Error, Family, Hash, Hasher};
use zeroize::Zeroizing;

use crate::output;

/// Bytes read and sent per system call.
const CHUNK: usize = 256 * 1024;
/// Inputs larger than this get a progress bar (when stdout is a terminal).
const PROGRESS_THRESHOLD: u64 = 16 * 1024 * 1024;

/// Arguments of `kcrypto dgst`.
#[derive(Debug, Args)]
#[command(after_help = "\
Output:
  Without --json, one line per input in the format of sha256sum (the digest in
  lower-case hex, two spaces, the name; standard input is named \"-\"), so
  `sha256sum -c` and its siblings can check it. With --json, JSON Lines: one
  object per input and line, {\"algorithm\": ..., \"file\": ..., \"digest\": ...},
  printed as each input is done.

Exit status: 0 if every input was hashed, 1 otherwise, 2 for a bad command line.

Examples:
  kcrypto dgst -a sha256 *.iso > SHA256SUMS && sha256sum -c SHA256SUMS
  tar c dir | kcrypto dgst -a sha512
  kcrypto dgst -a 'hmac(sha256)' --hmac-key-file key.bin --json report.pdf
  kcrypto dgst -a 'cmac(aes)' --hmac-key 2b7e151628aed2a6abf7158809cf4f3c msg")]
pub struct DgstArgs {
    /// Algorithm, as the kernel crypto API names it: sha1, sha256, sha512,
    /// sha3-256, hmac(sha256), cmac(aes), ...
    #[arg(short, long = "algorithm", value_name = "ALG")]
    pub algorithm: String,

    /// Key of a keyed algorithm (hmac(...), cmac(...)) in hex. Other users can
    /// see command lines: prefer --hmac-key-file for real keys
    #[arg(long, value_name = "HEX", value_parser = parse_hex_key)]
    pub hmac_key: Option<Zeroizing<Vec<u8>>>,

    /// File whose bytes, as they are (not hex), are the key
    #[arg(long, value_name = "FILE", conflicts_with = "hmac_key")]
    pub hmac_key_file: Option<PathBuf>,

    /// Print JSON Lines (one object per input) instead of sha256sum lines
    #[arg(long)]
    pub json: bool,

    /// Files to hash; standard input if none is given, and for "-"
    #[arg(value_name = "FILE")]
    pub files: Vec<OsString>,
}

/// The value parser of `--hmac-key`.
fn parse_hex_key(text: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    kcrypto::hex::decode(text)
        .map(Zeroizing::new)
        .map_err(|err| format!("not a hex key: {err}"))
}

/// Runs `kcrypto dgst`; prints errors on stderr.
pub fn run(args: &DgstArgs) -> ExitCode {
    let hash = match open(args) {
        Ok(hash) => hash,
        Err(msg) => {
            eprintln!("kcrypto dgst: {msg}");
            return ExitCode::FAILURE;
        }
    };
    let stdin_name = OsString::from("-");
    let inputs = if args.files.is_empty() {
        std::slice::from_ref(&stdin_name)
    } else {
        &args.files[..]
    };
    let progress = io::stdout().is_terminal();
    let mut stdout = io::stdout().lock();
    let mut buf = vec![0; CHUNK];
    let mut failed = false;
    for name in inputs {
        let digest = match digest_input(&hash, name, &mut buf, progress) {
            Ok(digest) => kcrypto::hex::encode(&digest),
            Err(err) => {
                eprintln!("kcrypto dgst: {}: {err}", name.to_string_lossy());
                failed = true;
                continue;
            }
        };
        let line = if args.json {
            output::json_line(&args.algorithm, &name.to_string_lossy(), &digest).into_bytes()
        } else {
            output::sum_line(&digest, name.as_bytes())
        };
        if let Err(err) = stdout.write_all(&line).and_then(|()| stdout.flush()) {
            if err.kind() != io::ErrorKind::BrokenPipe {
                eprintln!("kcrypto dgst: write error: {}", io_text(&err));
            }
            return ExitCode::FAILURE;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Binds the algorithm, sets the key and checks that a digest can be had, so
/// that a wrong name or a missing key is one clear error before any input.
fn open(args: &DgstArgs) -> Result<Hash, String> {
    let alg = &args.algorithm;
    let family = Family::discover().map_err(|err| err.to_string())?;
    let hash = Hash::open(family, alg).map_err(|err| match err {
        Error::NotFound => format!(
            "{alg}: the kernel has no such hash algorithm (ENOENT); see /proc/crypto for the names"
        ),
        err => format!("{alg}: {err}"),
    })?;
    let key = match (&args.hmac_key, &args.hmac_key_file) {
        (Some(key), _) => Some(key.clone()),
        (None, Some(path)) => {
            Some(Zeroizing::new(std::fs::read(path).map_err(|err| {
                format!("key file {}: {}", path.display(), io_text(&err))
            })?))
        }
        (None, None) => None,
    };
    if let Some(key) = key {
        hash.set_key(&key).map_err(|err| {
            let hint = if err.errno() == Some(libc::ENOSYS) {
                " (it takes no key: keyed algorithms are hmac(...), cmac(...), ...)"
            } else {
                ""
            };
            format!(
                "{alg}: cannot set a key of {} bytes: {err}{hint}",
                key.len()
            )
        })?;
    }
    hash.digest_size().map_err(|err| match err {
        Error::NoKey => format!("{alg} needs a key: give --hmac-key or --hmac-key-file"),
        err => format!("{alg}: {err}"),
    })?;
    Ok(hash)
}

/// Why one input could not be hashed.
#[derive(Debug)]
enum InputError {
    Open(io::Error),
    Read(io::Error),
    Kernel(Error),
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::Open(err) => f.write_str(&io_text(err)),
            InputError::Read(err) => write!(f, "read error: {}", io_text(err)),
            InputError::Kernel(err) => write!(f, "hashing failed: {err}"),
        }
    }
}

/// The digest of one input: a file, or standard input for `-`.
fn digest_input(
    hash: &Hash,
    name: &OsString,
    buf: &mut [u8],
    progress: bool,
) -> Result<Vec<u8>, InputError> {
    let mut hasher = hash.hasher().map_err(InputError::Kernel)?;
    if name.as_bytes() == b"-" {
        let stdin = io::stdin();
        let size = stdin
            .as_fd()
            .try_clone_to_owned()
            .ok()
            .and_then(|fd| regular_file_size(&File::from(fd)));
        let bar = progress_bar(progress, size, "-");
        feed(&mut stdin.lock(), &mut hasher, buf, &bar)?;
        bar.finish_and_clear();
    } else {
        let mut file = File::open(name).map_err(InputError::Open)?;
        let bar = progress_bar(progress, regular_file_size(&file), &name.to_string_lossy());
        feed(&mut file, &mut hasher, buf, &bar)?;
        bar.finish_and_clear();
    }
    hasher.finish().map_err(InputError::Kernel)
}

/// Sends everything `reader` has, `buf.len()` bytes at a time at most.
fn feed(
    reader: &mut impl Read,
    hasher: &mut Hasher,
    buf: &mut [u8],
    bar: &ProgressBar,
) -> Result<(), InputError> {
    loop {
        let len = match reader.read(buf) {
            Ok(0) => return Ok(()),
            Ok(len) => len,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(InputError::Read(err)),
        };
        hasher.update(&buf[..len]).map_err(InputError::Kernel)?;
        bar.inc(len as u64);
    }
}

/// The size of a regular file; `None` for pipes, terminals and the like.
fn regular_file_size(file: &File) -> Option<u64> {
    file.metadata()
        .ok()
        .filter(|meta| meta.is_file())
        .map(|meta| meta.len())
}

/// A progress bar on stderr for a large input when `enabled` (stdout is a
/// terminal), else a hidden one.
fn progress_bar(enabled: bool, size: Option<u64>, name: &str) -> ProgressBar {
    match size {
        Some(size) if enabled && size > PROGRESS_THRESHOLD => {
            let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(name.to_owned());
            bar
        }
        _ => ProgressBar::hidden(),
    }
}

/// An I/O error's text without Rust's " (os error N)" suffix.
fn io_text(err: &io::Error) -> String {
    let text = err.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_keys_parse() {
        assert_eq!(
            parse_hex_key("4a656665").map(|k| k.to_vec()),
            Ok(b"Jefe".to_vec())
        );
        assert_eq!(parse_hex_key("").map(|k| k.to_vec()), Ok(vec![]));
        let err = parse_hex_key("4a6").expect_err("odd");
        assert!(err.contains("odd number of hex digits"), "{err}");
        let err = parse_hex_key("zz").expect_err("not hex");
        assert!(err.contains("not a hex digit"), "{err}");
    }

    #[test]
    fn io_text_drops_the_os_error_suffix() {
        let err = io::Error::from_raw_os_error(2);
        assert_eq!(io_text(&err), "No such file or directory");
        let err = io::Error::other("plain");
        assert_eq!(io_text(&err), "plain");
    }

    #[test]
    fn read_errors_are_reported_as_such() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::from_raw_os_error(21))
            }
        }
        let hash = match Hash::new("sha256") {
            Ok(hash) => hash,
            Err(err) if err.is_unavailable() => {
                eprintln!("note: skipped, no socket family: {err}");
                return;
            }
            Err(err) => panic!("sha256: {err}"),
        };
        let mut hasher = hash.hasher().expect("hasher");
        let mut buf = [0; 16];
        let err = feed(&mut Failing, &mut hasher, &mut buf, &ProgressBar::hidden())
            .expect_err("read fails");
        assert!(err.to_string().starts_with("read error: Is a directory"));
    }

    #[test]
    fn progress_only_for_large_inputs_on_a_terminal() {
        // A hidden bar has no length; a real one (drawn only if stderr is a
        // terminal) has the input's.
        let big = PROGRESS_THRESHOLD + 1;
        assert_eq!(progress_bar(true, Some(big), "f").length(), Some(big));
        assert_eq!(
            progress_bar(true, Some(PROGRESS_THRESHOLD), "f").length(),
            None
        );
        assert_eq!(progress_bar(false, Some(u64::MAX), "f").length(), None);
        assert_eq!(progress_bar(true, None, "f").length(), None);
    }
}
