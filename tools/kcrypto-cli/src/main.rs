// SPDX-License-Identifier: GPL-2.0

//! `kcrypto`: command-line front end of the kcrypto socket family.
//!
//! Every operation runs in the kernel through the family that
//! [`kcrypto::Family::discover`] finds (`KCRYPTO_FAMILY=38` selects the
//! in-kernel AF_ALG instead).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod dgst;
mod output;

/// Kernel crypto from the command line, through kcrypto's socket family.
#[derive(Debug, Parser)]
#[command(
    name = "kcrypto",
    version,
    after_help = "\
Environment:
  KCRYPTO_FAMILY  socket family number to use instead of the one kcrypto.ko
                  was loaded with (/sys/module/kcrypto/parameters/family);
                  38 is the kernel's own AF_ALG"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Hash or MAC files; output in sha256sum's format (or JSON)
    Dgst(dgst::DgstArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Dgst(args) => dgst::run(&args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn dgst_arguments_parse() {
        let cli = Cli::try_parse_from([
            "kcrypto",
            "dgst",
            "-a",
            "hmac(sha256)",
            "--hmac-key",
            "4A656665",
            "--json",
            "a",
            "-",
        ])
        .expect("valid command line");
        let Command::Dgst(args) = cli.command;
        assert_eq!(args.algorithm, "hmac(sha256)");
        assert_eq!(args.hmac_key.as_deref().map(|k| &k[..]), Some(&b"Jefe"[..]));
        assert!(args.json);
        assert_eq!(args.files, ["a", "-"]);
    }

    #[test]
    fn dgst_rejects_bad_keys_and_conflicts() {
        for argv in [
            &["kcrypto", "dgst", "-a", "hmac(sha256)", "--hmac-key", "abc"][..],
            &["kcrypto", "dgst", "-a", "hmac(sha256)", "--hmac-key", "xy"],
            &[
                "kcrypto",
                "dgst",
                "-a",
                "hmac(sha256)",
                "--hmac-key",
                "00",
                "--hmac-key-file",
                "k",
            ],
            &["kcrypto", "dgst"],
            &["kcrypto"],
        ] {
            assert!(Cli::try_parse_from(argv).is_err(), "{argv:?} parsed");
        }
    }
}
