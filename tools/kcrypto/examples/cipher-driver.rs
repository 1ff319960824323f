// SPDX-License-Identifier: GPL-2.0

//! Choose which implementation runs a symmetric cipher and report which one
//! served (the Rust twin of `samples/c/cipher-driver.c`):
//!
//! ```text
//! cipher-driver [--class any|hardware|software] [--decrypt] ALGORITHM HEXKEY HEXIV < IN > OUT
//! ```
//!
//! Encrypts (or decrypts) standard input, a whole number of blocks, and names
//! the driver on standard error. The class goes into the bind address
//! (`salg_feat`/`salg_mask`); `hardware` fails with `ENODEV` where no off-CPU
//! driver implements the algorithm. [`Driver::of`] asks kcrypto which
//! implementation the socket got (`KCRYPTO_GET_DRIVER`; AF_ALG has no such
//! option).

use std::{
    env,
    error::Error,
    io::{self, IoSlice, Read, Write},
    process::ExitCode,
};

use kcrypto::{Class, Direction, Driver, Family, SockaddrAlg, Socket, hex, socket::Control};

const USAGE: &str =
    "usage: cipher-driver [--class any|hardware|software] [--decrypt] ALGORITHM HEXKEY HEXIV";

fn run(mut args: &[String]) -> Result<(), Box<dyn Error>> {
    let mut class = Class::Any;
    let mut direction = Direction::Encrypt;
    loop {
        match args {
            [flag, name, rest @ ..] if flag == "--class" => {
                class = match name.as_str() {
                    "any" => Class::Any,
                    "hardware" => Class::Hardware,
                    "software" => Class::Software,
                    _ => return Err(USAGE.into()),
                };
                args = rest;
            }
            [flag, rest @ ..] if flag == "--decrypt" => {
                (direction, args) = (Direction::Decrypt, rest)
            }
            _ => break,
        }
    }
    let [algorithm, key, iv] = args else {
        return Err(USAGE.into());
    };
    let (feat, mask) = class.feat_mask();
    let family = Family::discover()?;
    let transform = Socket::new(family)?;
    transform.bind(&SockaddrAlg::new(family, "skcipher", algorithm)?.with_feat_mask(feat, mask))?;
    transform.set_key(&hex::decode(key)?)?;

    // The kernel's AF_ALG has no KCRYPTO_GET_DRIVER (EOPNOTSUPP).
    match Driver::of(&transform) {
        Ok(driver) => eprintln!(
            "driver {} ({}, module {}, priority {}, {}, {})",
            driver.driver,
            driver.name,
            if driver.module.is_empty() {
                "built in"
            } else {
                &driver.module
            },
            driver.priority,
            if driver.hardware {
                "hardware"
            } else {
                "software"
            },
            if driver.is_async { "async" } else { "sync" },
        ),
        Err(err) if matches!(err.errno(), Some(libc::EOPNOTSUPP | libc::ENOPROTOOPT)) => {
            eprintln!("driver not reported (family {family} has no KCRYPTO_GET_DRIVER)")
        }
        Err(err) => return Err(err.into()),
    }

    let mut input = Vec::new();
    io::stdin().read_to_end(&mut input)?;
    let op = transform.accept()?;
    let iv = hex::decode(iv)?;
    let control = [Control::Op(direction.op()), Control::Iv(&iv)];
    if op.send_msg(&[IoSlice::new(&input)], &control, 0)? != input.len() {
        return Err("the message was not taken whole".into());
    }
    // One message in, exactly its length out; recv waits for the driver.
    let mut output = vec![0; input.len()];
    let mut done = 0;
    while done < output.len() {
        match op.recv(&mut output[done..], 0)? {
            0 => return Err("short output".into()),
            n => done += n,
        }
    }
    io::stdout().write_all(&output)?;
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("cipher-driver: {err}");
            ExitCode::FAILURE
        }
    }
}
