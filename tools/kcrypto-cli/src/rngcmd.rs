// SPDX-License-Identifier: GPL-2.0

//! `kcrypto rng`: random bytes from a kernel generator.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Args;
use kcrypto::{Family, Rng};
use serde::Serialize;

use crate::files::{self, Output, io_text};

/// Bytes generated and written per step.
const CHUNK: usize = 64 * 1024;

/// Arguments of `kcrypto rng`.
#[derive(Debug, Args)]
#[command(after_help = "\
Output:
  Raw bytes on standard output (or in -o OUT) unless --hex (lower-case hex,
  one line). --json prints one object, {\"algorithm\", \"bytes\", \"hex\"} (with
  -o: \"output\" instead of \"hex\").

Examples:
  kcrypto rng -n 32 --hex
  kcrypto rng -n 1M -a drbg_nopr_hmac_sha256 -o random.bin
  kcrypto rng -n 16 --json")]
pub struct RngArgs {
    /// How many bytes: a number, optionally with K, M or G (KiB, MiB, GiB)
    #[arg(short = 'n', long = "bytes", value_name = "BYTES", value_parser = parse_size)]
    pub bytes: u64,

    /// Generator, as the kernel crypto API names it: stdrng,
    /// drbg_nopr_hmac_sha256, drbg_pr_ctr_aes128, jitterentropy_rng, ...
    #[arg(
        short,
        long = "algorithm",
        value_name = "ALG",
        default_value = "stdrng"
    )]
    pub algorithm: String,

    /// Seed (personalisation for a DRBG) in hex; without it the kernel seeds
    /// the generator from its own entropy
    #[arg(long, value_name = "HEX", value_parser = crate::crypt::parse_hex)]
    pub seed_hex: Option<crate::crypt::HexBytes>,

    /// Write lower-case hex (one line) instead of raw bytes
    #[arg(long)]
    pub hex: bool,

    /// Print a JSON object instead (see below)
    #[arg(long)]
    pub json: bool,

    /// Output file instead of standard output
    #[arg(short, long = "output", value_name = "OUT")]
    pub output: Option<OsString>,
}

/// A byte count with an optional binary suffix: `100`, `4K`, `1M`, `2G`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, shift) = match text.char_indices().last() {
        Some((at, 'k' | 'K')) => (&text[..at], 10),
        Some((at, 'm' | 'M')) => (&text[..at], 20),
        Some((at, 'g' | 'G')) => (&text[..at], 30),
        _ => (text, 0),
    };
    let number: u64 = digits.parse().map_err(|_| {
        format!("{text:?} is not a byte count (a number, optionally with K, M or G)")
    })?;
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("{text:?} is too large"))
}

#[derive(Debug, Serialize)]
struct Summary<'a> {
    algorithm: &'a str,
    bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    hex: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output: Option<String>,
}

/// Runs `kcrypto rng`.
pub fn run(args: &RngArgs) -> ExitCode {
    match run_inner(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("kcrypto rng: {msg}");
            if args.json {
                println!("{}", serde_json::json!({ "error": msg }));
            }
            ExitCode::FAILURE
        }
    }
}

fn run_inner(args: &RngArgs) -> Result<(), String> {
    let alg = &args.algorithm;
    let family = Family::discover().map_err(|err| err.to_string())?;
    let mut rng = Rng::open(family, alg).map_err(|err| match err {
        kcrypto::Error::NotFound => format!(
            "{alg}: the kernel has no such rng algorithm, or this socket family has no rng \
             type (ENOENT); see /proc/crypto for the names"
        ),
        err => format!("{alg}: {err}"),
    })?;
    if let Some(crate::crypt::HexBytes(seed)) = &args.seed_hex {
        rng.seed(seed)
            .map_err(|err| format!("{alg}: cannot seed with {} bytes: {err}", seed.len()))?;
    }
    let name = args.output.clone().unwrap_or_else(|| OsString::from("-"));
    let in_json = args.json && args.output.is_none();
    let mut output = if in_json {
        Output::memory()
    } else {
        Output::create(&name, args.hex, None)
            .map_err(|err| format!("{}: {}", files::display(&name), io_text(&err)))?
    };
    let mut left = args.bytes;
    let mut buf = vec![0; CHUNK];
    while left > 0 {
        let len = usize::try_from(left).unwrap_or(CHUNK).min(CHUNK);
        rng.fill(&mut buf[..len])
            .map_err(|err| format!("{alg}: {err}"))?;
        output
            .write(&buf[..len])
            .map_err(|err| format!("{}: write error: {}", files::display(&name), io_text(&err)))?;
        left -= len as u64;
    }
    let hex = in_json.then(|| kcrypto::hex::encode(&output.take_memory()));
    output
        .commit()
        .map_err(|err| format!("{}: write error: {}", files::display(&name), io_text(&err)))?;
    if args.json {
        let summary = Summary {
            algorithm: alg,
            bytes: args.bytes,
            hex,
            output: args.output.as_ref().map(files::display),
        };
        println!(
            "{}",
            serde_json::to_string(&summary).map_err(|e| e.to_string())?
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_binary_suffixes() {
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("100"), Ok(100));
        assert_eq!(parse_size("4K"), Ok(4096));
        assert_eq!(parse_size("1m"), Ok(1 << 20));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert!(parse_size("").is_err());
        assert!(parse_size("K").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("1.5M").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }
}
