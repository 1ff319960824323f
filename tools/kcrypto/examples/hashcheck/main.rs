// SPDX-License-Identifier: GPL-2.0

//! `hashcheck`: socket-level checks of a family with AF_ALG's hash ABI, run
//! inside a test guest by `tests/guest/30-userspace-hash.sh`.
//!
//! ```text
//! hashcheck probe                 exit 0 if the family exists, 3 if not
//! hashcheck kat                   known answers through the library
//! hashcheck export-kat DIR        the same vectors as files, for CLI tests
//! hashcheck diff [OPTIONS]        random differential test of two families
//! hashcheck abi [--a F] [--b F]   ABI corner cases on two families
//! ```
//!
//! `probe` and `kat` use the family [`Family::discover`] finds
//! (`KCRYPTO_FAMILY`, else kcrypto.ko's). `diff` and `abi` compare family A
//! (default 38, the in-kernel AF_ALG) with family B (default `kcrypto`, the
//! discovered one). Exit status: 0 passed, 1 failed, 2 usage, 3 no family.

use std::process::ExitCode;

use kcrypto::{Error, Family, Socket};

mod abi;
mod diff;
#[path = "../../tests/common/kat.rs"]
mod kat;
mod kats;
mod rng;

const USAGE: &str = "\
usage: hashcheck probe
       hashcheck kat
       hashcheck export-kat DIR
       hashcheck diff [--a FAMILY] [--b FAMILY] [--seed N] [--rounds N] [--max-len BYTES]
       hashcheck abi [--a FAMILY] [--b FAMILY]
FAMILY is a number or \"kcrypto\" (KCRYPTO_FAMILY, else kcrypto.ko's family);
the defaults are --a 38 (AF_ALG) --b kcrypto.";

/// Exit status for a missing family.
const UNAVAILABLE: u8 = 3;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        return usage("no command");
    };
    let result = match command.as_str() {
        "probe" if rest.is_empty() => probe(),
        "kat" if rest.is_empty() => with_family(kats::run),
        "export-kat" if rest.len() == 1 => kats::export(&rest[0]),
        "diff" => match diff::Options::parse(rest) {
            Ok(options) => diff::run(&options),
            Err(msg) => return usage(&msg),
        },
        "abi" => match diff::Options::parse(rest) {
            Ok(options) => abi::run(&options),
            Err(msg) => return usage(&msg),
        },
        "-h" | "--help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => return usage(&format!("bad command line: {args:?}")),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) if err.is_unavailable() => {
            println!("hashcheck: no socket family: {err}");
            ExitCode::from(UNAVAILABLE)
        }
        Err(err) => {
            println!("hashcheck: error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("hashcheck: {msg}\n{USAGE}");
    ExitCode::from(2)
}

/// Checks that `family` exists: `socket()` succeeds.
pub fn available(family: Family) -> kcrypto::Result<Family> {
    match Socket::new(family) {
        Ok(_) => Ok(family),
        Err(err) if err.raw_os_error() == Some(libc::EAFNOSUPPORT) => {
            Err(Error::FamilyNotRegistered {
                family: family.number(),
            })
        }
        Err(err) => Err(err.into()),
    }
}

/// Resolves a family argument: a number, or `kcrypto` for the discovered one.
pub fn resolve(arg: &str) -> kcrypto::Result<Family> {
    let family = if arg == "kcrypto" {
        Family::discover()?
    } else {
        Family::parse(arg).ok_or_else(|| Error::InvalidFamily {
            origin: "command line",
            value: arg.to_owned(),
        })?
    };
    available(family)
}

fn probe() -> kcrypto::Result<bool> {
    let family = resolve("kcrypto")?;
    println!("kcrypto family {family}");
    Ok(true)
}

fn with_family(run: fn(Family) -> kcrypto::Result<bool>) -> kcrypto::Result<bool> {
    run(resolve("kcrypto")?)
}
