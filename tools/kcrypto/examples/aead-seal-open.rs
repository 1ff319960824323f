// SPDX-License-Identifier: GPL-2.0

//! Seal (encrypt and authenticate) or open an AEAD message (the Rust twin of
//! `samples/c/aead-seal-open.c`):
//!
//! ```text
//! aead-seal-open [--open] [--aad TEXT] ALGORITHM HEXKEY HEXIV < IN > OUT
//! ```
//!
//! Sealing writes `ciphertext || tag`; opening takes that and writes the
//! plaintext, or exits with status 1 and writes nothing when the message or
//! its associated data was changed. Every message needs its own IV.

use std::{
    env,
    error::Error,
    io::{self, Read, Write},
    process::ExitCode,
};

use kcrypto::{Aead, hex};

const USAGE: &str = "usage: aead-seal-open [--open] [--aad TEXT] ALGORITHM HEXKEY HEXIV";

fn run(mut args: &[String]) -> Result<(), Box<dyn Error>> {
    let mut open = false;
    let mut aad = "";
    loop {
        match args {
            [flag, rest @ ..] if flag == "--open" => (open, args) = (true, rest),
            [flag, text, rest @ ..] if flag == "--aad" => (aad, args) = (text, rest),
            _ => break,
        }
    }
    let [algorithm, key, iv] = args else {
        return Err(USAGE.into());
    };
    let aead = Aead::with_key(algorithm, &hex::decode(key)?)?;
    let iv = hex::decode(iv)?;
    let mut input = Vec::new();
    io::stdin().read_to_end(&mut input)?;
    let output = if open {
        aead.open(&iv, aad.as_bytes(), &input)?
    } else {
        aead.seal(&iv, aad.as_bytes(), &input)?
    };
    io::stdout().write_all(&output)?;
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("aead-seal-open: {err}");
            ExitCode::FAILURE
        }
    }
}
