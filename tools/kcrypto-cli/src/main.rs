// SPDX-License-Identifier: GPL-2.0

//! `kcrypto`: command-line front end of the kcrypto socket family.
//!
//! Every operation runs in the kernel through the family that
//! [`kcrypto::Family::discover`] finds (`KCRYPTO_FAMILY=38` selects the
//! in-kernel AF_ALG instead).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod crypt;
mod dgst;
mod files;
mod list;
mod output;
mod pkey;
mod proc_crypto;
mod rngcmd;

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
    /// Encrypt IN into OUT with a symmetric cipher or an AEAD
    Enc(crypt::CryptArgs),
    /// Decrypt IN into OUT (AEAD: only if the tag matches)
    Dec(crypt::CryptArgs),
    /// Random bytes from a kernel generator
    Rng(rngcmd::RngArgs),
    /// List the implementations (drivers) a caller may bind to
    List(list::ListArgs),
    /// RSA public-key operations: verify a signature, encrypt a message
    Pkey(pkey::PkeyArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Dgst(args) => dgst::run(&args),
        Command::Enc(args) => crypt::run(&args, kcrypto::Direction::Encrypt),
        Command::Dec(args) => crypt::run(&args, kcrypto::Direction::Decrypt),
        Command::Rng(args) => rngcmd::run(&args),
        Command::List(args) => list::run(&args),
        Command::Pkey(args) => pkey::run(&args),
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
        let Command::Dgst(args) = cli.command else {
            panic!("not dgst: {:?}", cli.command)
        };
        assert_eq!(args.algorithm, "hmac(sha256)");
        assert_eq!(args.hmac_key.as_deref().map(|k| &k[..]), Some(&b"Jefe"[..]));
        assert!(args.json);
        assert_eq!(args.files, ["a", "-"]);
    }

    #[test]
    fn enc_and_dec_arguments_parse() {
        let cli = Cli::try_parse_from([
            "kcrypto",
            "enc",
            "-a",
            "gcm(aes)",
            "--key-hex",
            "00112233",
            "--iv-hex",
            "0a0b",
            "--aad-file",
            "aad",
            "--tag-len",
            "12",
            "--hex-out",
            "--json",
            "in",
            "-",
        ])
        .expect("valid command line");
        let Command::Enc(args) = cli.command else {
            panic!("not enc: {:?}", cli.command)
        };
        assert_eq!(args.algorithm, "gcm(aes)");
        assert_eq!(
            args.key_hex.as_deref().map(|k| &k[..]),
            Some(&[0, 0x11, 0x22, 0x33][..])
        );
        assert_eq!(args.iv_hex.map(|iv| iv.0), Some(vec![0x0a, 0x0b]));
        assert_eq!(args.tag_len, Some(12));
        assert!(args.hex_out && args.json && !args.hex_in);
        assert_eq!(
            (args.input.to_str(), args.output.to_str()),
            (Some("in"), Some("-"))
        );

        let cli = Cli::try_parse_from([
            "kcrypto",
            "dec",
            "-a",
            "x",
            "--key-serial",
            "123",
            "--type",
            "aead",
            "-",
            "out",
        ])
        .expect("valid command line");
        let Command::Dec(args) = cli.command else {
            panic!("not dec: {:?}", cli.command)
        };
        assert_eq!(args.key_serial, Some(123));
        assert_eq!(args.type_, Some(crypt::CipherType::Aead));
    }

    #[test]
    fn enc_needs_exactly_one_key_and_both_files() {
        for argv in [
            &["kcrypto", "enc", "-a", "cbc(aes)", "in", "out"][..],
            &[
                "kcrypto",
                "enc",
                "-a",
                "cbc(aes)",
                "--key-hex",
                "00",
                "--key-serial",
                "1",
                "in",
                "out",
            ],
            &["kcrypto", "enc", "-a", "cbc(aes)", "--key-hex", "00", "in"],
            &[
                "kcrypto",
                "enc",
                "-a",
                "cbc(aes)",
                "--key-hex",
                "0",
                "in",
                "out",
            ],
            &[
                "kcrypto",
                "enc",
                "-a",
                "cbc(aes)",
                "--key-hex",
                "00",
                "--iv-hex",
                "xy",
                "in",
                "out",
            ],
            &[
                "kcrypto",
                "dec",
                "-a",
                "x",
                "--key-hex",
                "00",
                "--type",
                "hash",
                "in",
                "out",
            ],
            &["kcrypto", "rng"],
            &["kcrypto", "rng", "-n", "12Q"],
        ] {
            assert!(Cli::try_parse_from(argv).is_err(), "{argv:?} parsed");
        }
    }

    #[test]
    fn rng_arguments_parse() {
        let cli = Cli::try_parse_from(["kcrypto", "rng", "-n", "4K", "--hex", "-o", "f"])
            .expect("valid command line");
        let Command::Rng(args) = cli.command else {
            panic!("not rng: {:?}", cli.command)
        };
        assert_eq!(args.bytes, 4096);
        assert_eq!(args.algorithm, "stdrng");
        assert!(args.hex && !args.json);
        assert_eq!(args.output.as_deref().and_then(|o| o.to_str()), Some("f"));
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
