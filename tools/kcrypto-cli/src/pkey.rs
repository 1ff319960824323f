// SPDX-License-Identifier: GPL-2.0

//! `kcrypto pkey`: RSA public-key operations (encrypt, verify) in the kernel.

use std::ffi::OsString;
use std::fs;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use kcrypto::{Akcipher, Driver, Error, Hash, akcipher};
use serde::Serialize;

use crate::crypt::HexBytes;
use crate::files::{self, Input, Output, io_text};

/// The longest message read for `pkey encrypt`: more than any key takes (the
/// kernel refuses what is too long for the key with EMSGSIZE).
const MAX_MESSAGE: usize = 1024;

/// Arguments of `kcrypto pkey`.
#[derive(Debug, Args)]
#[command(after_help = "\
Keys:
  --pubkey takes a DER public key: SubjectPublicKeyInfo (openssl rsa -pubout
  -outform DER) or RSAPublicKey (-RSAPublicKey_out). kcrypto never takes a
  private key: decryption and signing are not offered.

Examples:
  kcrypto pkey verify -a 'pkcs1pad(rsa,sha256)' --pubkey pub.der --sig f.sig f
  kcrypto pkey verify -a 'pkcs1pad(rsa,sha256)' --pubkey pub.der --sig f.sig \\
      --digest-hex 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
  kcrypto pkey encrypt -a 'pkcs1pad(rsa)' --pubkey pub.der secret.txt secret.rsa
  kcrypto pkey encrypt -a virtio-crypto-rsa --pubkey pub.der --json m.bin -")]
pub struct PkeyArgs {
    #[command(subcommand)]
    pub action: Action,
}

/// What `kcrypto pkey` does.
#[derive(Debug, Subcommand)]
pub enum Action {
    /// Check a PKCS #1 v1.5 signature; exit status 0 if it verifies, 1 if not
    Verify(VerifyArgs),
    /// Encrypt a short message (at most the key size; pkcs1pad: 11 bytes less)
    Encrypt(EncryptArgs),
}

/// Options every action takes.
#[derive(Debug, Args)]
pub struct KeyArgs {
    /// Algorithm or driver: rsa, pkcs1pad(rsa), pkcs1pad(rsa,sha256),
    /// virtio-crypto-rsa, ...
    #[arg(short, long = "algorithm", value_name = "ALG")]
    pub algorithm: String,

    /// The public key (DER)
    #[arg(long, value_name = "FILE")]
    pub pubkey: OsString,

    /// Print a JSON object instead of text
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `kcrypto pkey verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub key: KeyArgs,

    /// The signature (binary, key-sized)
    #[arg(long, value_name = "FILE")]
    pub sig: OsString,

    /// The digest that was signed, in hex, instead of a file to hash
    #[arg(long, value_name = "HEX", value_parser = crate::crypt::parse_hex,
          conflicts_with = "file", required_unless_present = "file")]
    pub digest_hex: Option<HexBytes>,

    /// The signed file ("-": standard input), hashed in the kernel with the
    /// hash the algorithm names (pkcs1pad(rsa,HASH))
    #[arg(value_name = "FILE")]
    pub file: Option<OsString>,
}

/// Arguments of `kcrypto pkey encrypt`.
#[derive(Debug, Args)]
pub struct EncryptArgs {
    #[command(flatten)]
    pub key: KeyArgs,

    /// The message ("-": standard input)
    #[arg(value_name = "IN")]
    pub input: OsString,

    /// The ciphertext ("-": standard output)
    #[arg(value_name = "OUT")]
    pub output: OsString,
}

#[derive(Debug, Serialize)]
struct Summary<'a> {
    algorithm: &'a str,
    driver: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bytes: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hex: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output: Option<String>,
}

/// Runs `kcrypto pkey`.
pub fn run(args: &PkeyArgs) -> ExitCode {
    let (key, result) = match &args.action {
        Action::Verify(verify) => (&verify.key, run_verify(verify)),
        Action::Encrypt(encrypt) => (&encrypt.key, run_encrypt(encrypt)),
    };
    match result {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("kcrypto pkey: {msg}");
            if key.json {
                println!("{}", serde_json::json!({ "error": msg }));
            }
            ExitCode::FAILURE
        }
    }
}

/// Binds the algorithm with the public key from `args`.
fn open(args: &KeyArgs) -> Result<Akcipher, String> {
    let alg = &args.algorithm;
    let file = files::display(&args.pubkey);
    let der = fs::read(&args.pubkey).map_err(|err| format!("{file}: {}", io_text(&err)))?;
    let key = akcipher::rsa_public_key(&der)
        .ok_or_else(|| format!("{file}: not a DER RSA public key"))?;
    let rsa = Akcipher::new(alg).map_err(|err| match err {
        Error::NotFound => format!(
            "{alg}: no such RSA algorithm or driver, or this socket family has no akcipher \
             type (ENOENT)"
        ),
        err => format!("{alg}: {err}"),
    })?;
    rsa.set_public_key(key)
        .map_err(|err| format!("{file}: the kernel refused the key: {err}"))?;
    Ok(rsa)
}

fn driver_name(rsa: &Akcipher) -> String {
    Driver::of(rsa.socket()).map_or_else(|_| String::new(), |driver| driver.driver)
}

/// The hash inside `pkcs1pad(rsa,HASH)`.
fn hash_of(algorithm: &str) -> Option<&str> {
    let inner = algorithm.strip_prefix("pkcs1pad(")?.strip_suffix(')')?;
    let (_, hash) = inner.split_once(',')?;
    Some(hash)
}

fn run_verify(args: &VerifyArgs) -> Result<ExitCode, String> {
    let alg = &args.key.algorithm;
    let rsa = open(&args.key)?;
    let sig_name = files::display(&args.sig);
    let sig = fs::read(&args.sig).map_err(|err| format!("{sig_name}: {}", io_text(&err)))?;
    let digest = match (&args.digest_hex, &args.file) {
        (Some(HexBytes(digest)), _) => digest.clone(),
        (None, Some(file)) => {
            let hash = hash_of(alg).ok_or_else(|| {
                format!("{alg} names no hash: give --digest-hex, or use pkcs1pad(rsa,HASH)")
            })?;
            let mut input = Input::open(file, false)
                .map_err(|err| format!("{}: {}", files::display(file), io_text(&err)))?;
            let mut hasher = Hash::new(hash)
                .and_then(|hash| hash.hasher())
                .map_err(|err| format!("{hash}: {err}"))?;
            let mut buf = Vec::new();
            while input
                .next_chunk(&mut buf, 1 << 20)
                .map_err(|err| format!("{}: {}", files::display(file), io_text(&err)))?
            {
                hasher
                    .update(&buf)
                    .map_err(|err| format!("{hash}: {err}"))?;
            }
            hasher.finish().map_err(|err| format!("{hash}: {err}"))?
        }
        (None, None) => return Err("give a FILE or --digest-hex".to_owned()),
    };
    let verified = match rsa.verify(&sig, &digest) {
        Ok(()) => true,
        Err(Error::AuthenticationFailed) => false,
        Err(err) => return Err(format!("{alg}: {err}")),
    };
    if args.key.json {
        let summary = Summary {
            algorithm: alg,
            driver: driver_name(&rsa),
            verified: Some(verified),
            bytes: None,
            hex: None,
            output: None,
        };
        println!(
            "{}",
            serde_json::to_string(&summary).map_err(|e| e.to_string())?
        );
    } else {
        println!(
            "{}",
            if verified {
                "Verified OK"
            } else {
                "Verification failure"
            }
        );
    }
    Ok(if verified {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn run_encrypt(args: &EncryptArgs) -> Result<ExitCode, String> {
    let alg = &args.key.algorithm;
    let rsa = open(&args.key)?;
    let in_name = files::display(&args.input);
    let message = Input::open(&args.input, false)
        .and_then(|mut input| input.read_all(MAX_MESSAGE))
        .map_err(|err| format!("{in_name}: {}", io_text(&err)))?;
    let sealed = rsa
        .encrypt(&message)
        .map_err(|err| format!("{alg}: cannot encrypt {} bytes: {err}", message.len()))?;
    let out_name = files::display(&args.output);
    // With --json and standard output, the ciphertext goes into the JSON (hex).
    let in_json = args.key.json && files::is_std(&args.output);
    if !in_json {
        let mut output = Output::create(&args.output, false, None)
            .map_err(|err| format!("{out_name}: {}", io_text(&err)))?;
        output
            .write(&sealed)
            .map_err(|err| format!("{out_name}: write error: {}", io_text(&err)))?;
        output
            .commit()
            .map_err(|err| format!("{out_name}: write error: {}", io_text(&err)))?;
    }
    if args.key.json {
        let summary = Summary {
            algorithm: alg,
            driver: driver_name(&rsa),
            verified: None,
            bytes: Some(sealed.len()),
            hex: in_json.then(|| kcrypto::hex::encode(&sealed)),
            output: (!in_json).then_some(out_name),
        };
        println!(
            "{}",
            serde_json::to_string(&summary).map_err(|e| e.to_string())?
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_comes_from_the_algorithm_name() {
        assert_eq!(hash_of("pkcs1pad(rsa,sha256)"), Some("sha256"));
        assert_eq!(hash_of("pkcs1pad(rsa-generic,sha3-512)"), Some("sha3-512"));
        assert_eq!(hash_of("pkcs1pad(rsa)"), None);
        assert_eq!(hash_of("rsa"), None);
    }
}
