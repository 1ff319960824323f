// SPDX-License-Identifier: GPL-2.0

//! Hash (or HMAC) a file, printed like `sha256sum` (the Rust twin of
//! `samples/c/hash-file.c`):
//!
//! ```text
//! hash-file [--key HEXKEY] ALGORITHM FILE
//! ```
//!
//! The family is kcrypto.ko's, or `KCRYPTO_FAMILY` (38: the kernel's AF_ALG).
//! The file is streamed: [`Hasher`](kcrypto::Hasher) is an `io::Write`.

use std::{env, error::Error, fs::File, io, process::ExitCode};

use kcrypto::{Hash, hex};

const USAGE: &str = "usage: hash-file [--key HEXKEY] ALGORITHM FILE";

fn run(args: &[String]) -> Result<String, Box<dyn Error>> {
    let (key, rest) = match args {
        [flag, key, rest @ ..] if flag == "--key" => (Some(hex::decode(key)?), rest),
        rest => (None, rest),
    };
    let [algorithm, path] = rest else {
        return Err(USAGE.into());
    };
    let hash = Hash::new(algorithm)?;
    if let Some(key) = key {
        hash.set_key(&key)?;
    }
    let mut hasher = hash.hasher()?;
    io::copy(&mut File::open(path)?, &mut hasher)?;
    Ok(format!("{}  {path}", hex::encode(&hasher.finish()?)))
}

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    match run(&args) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("hash-file: {err}");
            ExitCode::FAILURE
        }
    }
}
