// SPDX-License-Identifier: GPL-2.0

//! `kcrypto list`: the implementations a caller may bind to, and what each
//! runs on, as the kernel reports them (no `/proc/crypto` parsing).

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use kcrypto::{Driver, Family};
use serde::Serialize;

/// Socket types, as `bind()` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    Hash,
    Skcipher,
    Aead,
    Rng,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Hash => "hash",
            Kind::Skcipher => "skcipher",
            Kind::Aead => "aead",
            Kind::Rng => "rng",
        }
    }
}

/// Arguments of `kcrypto list`.
#[derive(Debug, Args)]
#[command(after_help = "\
Output:
  One line per implementation: type, generic name, driver name, priority and
  what it runs on (\"hardware\" for off-CPU drivers, \"async\" for drivers that
  may complete later). A generic name binds to its highest-priority driver.
  --json prints one object per line with the same fields.

Examples:
  kcrypto list --type skcipher
  kcrypto list --hardware --json
  kcrypto list --name 'cbc(aes)'")]
pub struct ListArgs {
    /// Only implementations of this socket type
    #[arg(short, long = "type", value_name = "TYPE")]
    pub kind: Option<Kind>,

    /// Only implementations of this generic name (e.g. 'gcm(aes)')
    #[arg(short, long, value_name = "ALG")]
    pub name: Option<String>,

    /// Only off-CPU (hardware) drivers
    #[arg(long)]
    pub hardware: bool,

    /// Print JSON lines instead
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Entry<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    name: &'a str,
    driver: &'a str,
    module: &'a str,
    priority: u32,
    #[serde(rename = "async")]
    is_async: bool,
    hardware: bool,
}

fn wanted(args: &ListArgs, d: &Driver) -> bool {
    args.kind.is_none_or(|k| d.kind == k.name())
        && args.name.as_ref().is_none_or(|n| &d.name == n)
        && (!args.hardware || d.hardware)
}

/// Runs `kcrypto list`.
pub fn run(args: &ListArgs) -> ExitCode {
    let drivers = match Family::discover().and_then(kcrypto::driver::list) {
        Ok(drivers) => drivers,
        Err(err) => {
            eprintln!("kcrypto list: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut drivers: Vec<&Driver> = drivers.iter().filter(|d| wanted(args, d)).collect();
    drivers.sort_by(|a, b| {
        (&a.kind, &a.name, std::cmp::Reverse(a.priority)).cmp(&(
            &b.kind,
            &b.name,
            std::cmp::Reverse(b.priority),
        ))
    });
    for d in drivers {
        if args.json {
            let entry = Entry {
                kind: &d.kind,
                name: &d.name,
                driver: &d.driver,
                module: &d.module,
                priority: d.priority,
                is_async: d.is_async,
                hardware: d.hardware,
            };
            match serde_json::to_string(&entry) {
                Ok(line) => println!("{line}"),
                Err(err) => {
                    eprintln!("kcrypto list: {err}");
                    return ExitCode::FAILURE;
                }
            }
        } else {
            let runs_on = match (d.hardware, d.is_async) {
                (true, _) => "hardware",
                (false, true) => "cpu, async",
                (false, false) => "cpu",
            };
            println!(
                "{:<9} {:<28} {:<32} {:>5}  {}",
                d.kind, d.name, d.driver, d.priority, runs_on
            );
        }
    }
    ExitCode::SUCCESS
}
