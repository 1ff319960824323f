// SPDX-License-Identifier: GPL-2.0

//! `kcrypto enc` and `kcrypto dec`: files encrypted and decrypted in the
//! kernel, with a symmetric cipher (streamed) or an AEAD (whole input).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgGroup, Args, ValueEnum};
use kcrypto::{Aead, Cipher, Direction, Error, Family};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::files::{self, Input, Output, io_text};
use crate::proc_crypto;

/// Bytes read from the input per step when streaming a cipher.
const CHUNK: usize = 64 * 1024;
/// The most input `kcrypto` reads for an AEAD operation (the kernel's own
/// bound, the socket buffer, is usually far lower).
const AEAD_READ_MAX: usize = 1 << 30;

/// The kernel socket type to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CipherType {
    /// A symmetric cipher: cbc(aes), ctr(aes), xts(aes), ecb(aes), chacha20, ...
    Skcipher,
    /// Authenticated encryption: gcm(aes), ccm(aes), rfc4106(gcm(aes)),
    /// rfc7539(chacha20,poly1305), ...
    Aead,
}

/// Arguments of `kcrypto enc` and `kcrypto dec`.
#[derive(Debug, Args)]
#[command(
    group(ArgGroup::new("key").required(true).args(["key_hex", "key_file", "key_serial"])),
    after_help = "\
Types:
  Names with gcm, ccm, rfc4106, rfc4309, rfc7539, chacha20poly1305 or authenc
  are AEADs (--type overrides): the output of enc is the ciphertext followed by
  the tag (--tag-len bytes, default the algorithm's maximum), dec checks the
  tag and writes nothing unless it matches. The kernel holds an AEAD
  operation whole, so its input is bounded by the socket buffer: kcrypto
  raises SO_SNDBUF as far as allowed (any size with CAP_NET_ADMIN, else up
  to net.core.wmem_max, 212992 bytes by default) and says so beyond.
  Other names are symmetric ciphers, streamed in 64 KiB parts: any size.
  IVs: cbc/ctr/xts/cts and chacha20 take 16 bytes (chacha20: 32-bit
  little-endian counter then 96-bit nonce), gcm and rfc7539 12, ccm 16
  (first byte L-1, then the nonce), rfc4106 8 (the key ends with the 4-byte
  salt, and the associated data must end with the IV), ecb none.

Output:
  IN and OUT are files, \"-\" for standard input/output. A failed command
  leaves no OUT file behind. --json prints one object on standard output
  ({\"operation\", \"algorithm\", \"type\", \"input\", \"output\", \"bytes_in\",
  \"bytes_out\", \"tag_len\"}; with OUT \"-\" the result is in \"data\", as hex),
  or {\"error\": ...} on failure.

Exit status: 0 done, 1 failed (2 for a bad command line).

Examples:
  kcrypto enc -a 'cbc(aes)' --key-hex $(cat key.hex) --iv-hex $(cat iv.hex) disk.img disk.enc
  kcrypto dec -a 'gcm(aes)' --key-serial $(keyctl search @u user backup) \\
      --iv-hex 000102030405060708090a0b --aad-file header.bin msg.sealed msg.txt
  printf 'hello' | kcrypto enc -a 'ctr(aes)' --key-hex 2b7e1516... --iv-hex f0f1... --hex-out - -"
)]
pub struct CryptArgs {
    /// Algorithm, as the kernel crypto API names it: cbc(aes), ctr(aes),
    /// xts(aes), gcm(aes), rfc7539(chacha20,poly1305), ...
    #[arg(short, long = "algorithm", value_name = "ALG")]
    pub algorithm: String,

    /// Key in hex. Other users can see command lines: prefer --key-file or
    /// --key-serial for real keys
    #[arg(long, value_name = "HEX", value_parser = parse_hex_key)]
    pub key_hex: Option<Zeroizing<Vec<u8>>>,

    /// File whose bytes, as they are (not hex), are the key
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,

    /// Serial number of a kernel key ("user" or "logon" type, e.g. from
    /// `keyctl add user NAME KEY @u`) whose payload is the key; the key never
    /// passes through this program
    #[arg(long, value_name = "N")]
    pub key_serial: Option<i32>,

    /// IV (nonce) in hex; its length must be the algorithm's IV size
    #[arg(long, value_name = "HEX", value_parser = parse_hex)]
    pub iv_hex: Option<HexBytes>,

    /// AEAD: file with the associated data (authenticated, not encrypted)
    #[arg(long, value_name = "FILE", conflicts_with = "aad_hex")]
    pub aad_file: Option<PathBuf>,

    /// AEAD: associated data in hex
    #[arg(long, value_name = "HEX", value_parser = parse_hex)]
    pub aad_hex: Option<HexBytes>,

    /// AEAD: tag length in bytes (default: the algorithm's maximum, 16 for
    /// gcm, ccm and chacha20-poly1305)
    #[arg(long, value_name = "N")]
    pub tag_len: Option<usize>,

    /// Socket type, if the name does not tell (see below)
    #[arg(long = "type", value_name = "TYPE")]
    pub type_: Option<CipherType>,

    /// IN is hex text (white space ignored), not raw bytes
    #[arg(long)]
    pub hex_in: bool,

    /// Write OUT as hex text (one line), not raw bytes
    #[arg(long)]
    pub hex_out: bool,

    /// Print a JSON summary on standard output (see below)
    #[arg(long)]
    pub json: bool,

    /// Input file, "-" for standard input
    #[arg(value_name = "IN")]
    pub input: OsString,

    /// Output file, "-" for standard output
    #[arg(value_name = "OUT")]
    pub output: OsString,
}

/// Bytes given in hex on the command line (a type of its own: clap takes
/// `Vec<u8>` for a list of numbers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HexBytes(pub Vec<u8>);

impl std::ops::Deref for HexBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// The value parser of hex options.
pub fn parse_hex(text: &str) -> Result<HexBytes, String> {
    kcrypto::hex::decode(text)
        .map(HexBytes)
        .map_err(|err| format!("not hex: {err}"))
}

/// The value parser of `--key-hex`.
fn parse_hex_key(text: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    parse_hex(text).map(|bytes| Zeroizing::new(bytes.0))
}

/// The type a name implies: AEAD templates and names, else skcipher.
pub fn type_of(algorithm: &str) -> CipherType {
    const AEAD: &[&str] = &[
        "gcm",
        "ccm",
        "rfc4106",
        "rfc4309",
        "rfc4543",
        "rfc7539",
        "rfc7539esp",
        "chacha20poly1305",
        "xchacha20poly1305",
        "authenc",
        "aegis",
    ];
    let lower = algorithm.to_ascii_lowercase();
    let words = lower.split(|c: char| !c.is_ascii_alphanumeric() && c != '_');
    let mut words = words.flat_map(|word| word.split('_'));
    if words.any(|word| AEAD.contains(&word)) {
        CipherType::Aead
    } else {
        CipherType::Skcipher
    }
}

/// The JSON summary.
#[derive(Debug, Serialize)]
struct Summary<'a> {
    operation: &'a str,
    algorithm: &'a str,
    #[serde(rename = "type")]
    type_: CipherType,
    input: String,
    output: String,
    bytes_in: u64,
    bytes_out: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag_len: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<String>,
}

/// Runs `kcrypto enc` (`direction` Encrypt) or `kcrypto dec`.
pub fn run(args: &CryptArgs, direction: Direction) -> ExitCode {
    let command = match direction {
        Direction::Encrypt => "enc",
        Direction::Decrypt => "dec",
    };
    match run_inner(args, direction, command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("kcrypto {command}: {msg}");
            if args.json {
                let error = serde_json::json!({ "operation": command, "error": msg });
                println!("{error}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run_inner(args: &CryptArgs, direction: Direction, command: &str) -> Result<(), String> {
    let alg = &args.algorithm;
    let type_ = args.type_.unwrap_or_else(|| type_of(alg));
    let aead_only = args.aad_file.is_some() || args.aad_hex.is_some() || args.tag_len.is_some();
    if type_ == CipherType::Skcipher && aead_only {
        return Err(format!(
            "{alg} is a symmetric cipher (skcipher): --aad-file, --aad-hex and --tag-len are for AEADs (--type aead if it is one)"
        ));
    }
    let family = Family::discover().map_err(|err| err.to_string())?;
    let key = key_source(args)?;
    let mut input = Input::open(&args.input, args.hex_in)
        .map_err(|err| format!("{}: {}", files::display(&args.input), io_text(&err)))?;
    // With --json and OUT "-", the result goes into the JSON object.
    let to_json = args.json && files::is_std(&args.output);
    let open_output = |id| -> Result<Output, String> {
        if to_json {
            Ok(Output::memory())
        } else {
            Output::create(&args.output, args.hex_out, id)
                .map_err(|err| format!("{}: {}", files::display(&args.output), io_text(&err)))
        }
    };
    let (bytes_in, mut output, tag_len) = match type_ {
        CipherType::Skcipher => {
            let cipher = open_cipher(family, alg, &key, args.iv_hex.as_deref())?;
            let iv = args.iv_hex.as_deref().unwrap_or_default();
            let mut output = open_output(input.id)?;
            let bytes_in =
                stream_cipher(&cipher, direction, iv, &mut input, &mut output, &args.input)?;
            (bytes_in, output, None)
        }
        CipherType::Aead => {
            let (aead, tag_len) = open_aead(family, alg, &key, args)?;
            let iv = args
                .iv_hex
                .as_deref()
                .ok_or_else(|| format!("{alg} needs an IV (nonce): give --iv-hex"))?;
            let aad = match (&args.aad_file, &args.aad_hex) {
                (Some(path), _) => std::fs::read(path)
                    .map_err(|err| format!("--aad-file {}: {}", path.display(), io_text(&err)))?,
                (None, Some(hex)) => hex.0.clone(),
                (None, None) => Vec::new(),
            };
            let data = input
                .read_all(AEAD_READ_MAX)
                .map_err(|err| format!("{}: {}", files::display(&args.input), io_text(&err)))?;
            let result = match direction {
                Direction::Encrypt => aead.seal(iv, &aad, &data),
                Direction::Decrypt => aead.open(iv, &aad, &data),
            }
            .map_err(|err| aead_error(alg, direction, &data, &aad, tag_len, err))?;
            // Only now, with the result authenticated, does OUT exist.
            let mut output = open_output(input.id)?;
            output.write(&result).map_err(|err| {
                format!(
                    "{}: write error: {}",
                    files::display(&args.output),
                    io_text(&err)
                )
            })?;
            (data.len() as u64, output, tag_len)
        }
    };
    let bytes_out = output.written();
    let data = to_json.then(|| kcrypto::hex::encode(&output.take_memory()));
    output.commit().map_err(|err| {
        format!(
            "{}: write error: {}",
            files::display(&args.output),
            io_text(&err)
        )
    })?;
    if args.json {
        let summary = Summary {
            operation: command,
            algorithm: alg,
            type_,
            input: files::display(&args.input),
            output: files::display(&args.output),
            bytes_in,
            bytes_out,
            tag_len,
            data,
        };
        let line = serde_json::to_string(&summary).map_err(|err| err.to_string())?;
        println!("{line}");
    }
    Ok(())
}

/// Where the key comes from.
#[derive(Debug)]
enum Key {
    Bytes(Zeroizing<Vec<u8>>),
    Serial(i32),
}

fn key_source(args: &CryptArgs) -> Result<Key, String> {
    Ok(match (&args.key_hex, &args.key_file, args.key_serial) {
        (Some(key), _, _) => Key::Bytes(key.clone()),
        (None, Some(path), _) => {
            Key::Bytes(Zeroizing::new(std::fs::read(path).map_err(|err| {
                format!("key file {}: {}", path.display(), io_text(&err))
            })?))
        }
        (None, None, Some(serial)) => Key::Serial(serial),
        // clap requires one of them.
        (None, None, None) => return Err("give --key-hex, --key-file or --key-serial".to_owned()),
    })
}

/// Sets the key through `set_key`/`set_key_serial`, with messages that say
/// what was wrong.
fn apply_key(
    alg: &str,
    key: &Key,
    info: Option<&proc_crypto::AlgInfo>,
    set_key: impl FnOnce(&[u8]) -> kcrypto::Result<()>,
    set_serial: impl FnOnce(i32) -> kcrypto::Result<()>,
) -> Result<(), String> {
    match key {
        Key::Bytes(bytes) => set_key(bytes).map_err(|err| {
            let sizes = match info.map(|i| (i.min_key, i.max_key)) {
                Some((Some(min), Some(max))) if min == max => format!(" (it takes {min})"),
                Some((Some(min), Some(max))) => format!(" (it takes {min} to {max})"),
                _ => String::new(),
            };
            format!(
                "{alg}: cannot set a key of {} bytes{sizes}: {err}",
                bytes.len()
            )
        }),
        Key::Serial(serial) => set_serial(*serial).map_err(|err| {
            let why = match err.errno() {
                Some(libc::ENOKEY) => {
                    "no such key, or this process may not search it (ENOKEY)".to_owned()
                }
                Some(libc::EKEYREJECTED) => {
                    "the key is not of type \"user\" or \"logon\" (EKEYREJECTED)".to_owned()
                }
                Some(libc::EINVAL) => {
                    "the key's payload is not a key this algorithm takes (EINVAL)".to_owned()
                }
                _ => err.to_string(),
            };
            format!("{alg}: key serial {serial}: {why}")
        }),
    }
}

fn bind_error(alg: &str, type_: &str, err: Error) -> String {
    match err {
        Error::NotFound => format!(
            "{alg}: the kernel has no such {type_} algorithm, or this socket family has no \
             {type_} type (ENOENT); see /proc/crypto for the names"
        ),
        err => format!("{alg}: {err}"),
    }
}

/// Binds and keys a symmetric cipher; checks the IV length where the kernel
/// lists the algorithm.
fn open_cipher(family: Family, alg: &str, key: &Key, iv: Option<&[u8]>) -> Result<Cipher, String> {
    let cipher = Cipher::open(family, alg).map_err(|err| bind_error(alg, "skcipher", err))?;
    let info = proc_crypto::lookup(alg, "skcipher");
    apply_key(
        alg,
        key,
        info.as_ref(),
        |key| cipher.set_key(key),
        |serial| cipher.set_key_serial(serial),
    )?;
    let iv_size = info.as_ref().and_then(|info| info.iv_size);
    match (iv, iv_size) {
        (None, Some(0)) => {}
        (None, Some(size)) => {
            return Err(format!("{alg} needs a {size}-byte IV: give --iv-hex"));
        }
        (None, None) if !alg.starts_with("ecb(") => {
            return Err(format!("{alg} needs an IV: give --iv-hex"));
        }
        (Some(iv), Some(size)) if iv.len() != size => {
            return Err(format!(
                "{alg} takes a {size}-byte IV, --iv-hex has {}",
                iv.len()
            ));
        }
        _ => {}
    }
    Ok(cipher)
}

/// Streams `input` through the cipher into `output`; returns the input length.
fn stream_cipher(
    cipher: &Cipher,
    direction: Direction,
    iv: &[u8],
    input: &mut Input,
    output: &mut Output,
    name: &OsString,
) -> Result<u64, String> {
    let alg = cipher.algorithm();
    let kernel = |err: Error| match err {
        Error::InvalidArgument => format!(
            "{alg}: the kernel refused the operation (EINVAL): the length may not suit the \
             algorithm (cbc/ecb: a multiple of 16 bytes, xts: at least 16) or the IV length is wrong"
        ),
        Error::NoKey => format!("{alg}: no key is set (ENOKEY)"),
        Error::MessageTooLong => format!(
            "{alg}: the kernel must hold more of this operation than the socket buffer allows \
             (EMSGSIZE): algorithms that do not chain (xts, chacha20, ...) are held whole; \
             run with CAP_NET_ADMIN or raise net.core.wmem_max"
        ),
        err => format!("{alg}: {err}"),
    };
    let mut stream = match direction {
        Direction::Encrypt => cipher.encryptor(iv),
        Direction::Decrypt => cipher.decryptor(iv),
    }
    .map_err(kernel)?;
    let bar = files::progress_bar(input.size, name);
    let mut chunk = Vec::with_capacity(CHUNK);
    let mut total = 0u64;
    let write = |output: &mut Output, data: &[u8]| {
        output
            .write(data)
            .map_err(|err| format!("write error: {}", io_text(&err)))
    };
    while input
        .next_chunk(&mut chunk, CHUNK)
        .map_err(|err| format!("{}: {}", files::display(name), io_text(&err)))?
    {
        total += chunk.len() as u64;
        let out = stream.update(&chunk).map_err(kernel)?;
        write(output, &out)?;
        bar.inc(chunk.len() as u64);
    }
    let out = stream.finish().map_err(kernel)?;
    write(output, &out)?;
    bar.finish_and_clear();
    Ok(total)
}

/// Binds and keys an AEAD, sets the tag length; returns it with the tag
/// length in force (if known).
fn open_aead(
    family: Family,
    alg: &str,
    key: &Key,
    args: &CryptArgs,
) -> Result<(Aead, Option<usize>), String> {
    let aead = Aead::open_family(family, alg).map_err(|err| bind_error(alg, "aead", err))?;
    let info = proc_crypto::lookup(alg, "aead");
    apply_key(
        alg,
        key,
        info.as_ref(),
        |key| aead.set_key(key),
        |serial| aead.set_key_serial(serial),
    )?;
    if let Some(len) = args.tag_len {
        aead.set_tag_len(len)
            .map_err(|err| format!("{alg}: a tag of {len} bytes is refused: {err}"))?;
    }
    if let (Some(HexBytes(iv)), Some(size)) = (&args.iv_hex, info.as_ref().and_then(|i| i.iv_size))
    {
        if iv.len() != size {
            return Err(format!(
                "{alg} takes a {size}-byte IV, --iv-hex has {}",
                iv.len()
            ));
        }
    }
    let tag_len = args.tag_len.or(info.and_then(|info| info.max_tag));
    Ok((aead, tag_len))
}

fn aead_error(
    alg: &str,
    direction: Direction,
    data: &[u8],
    aad: &[u8],
    tag_len: Option<usize>,
    err: Error,
) -> String {
    match err {
        Error::AuthenticationFailed => format!(
            "{alg}: authentication failed (EBADMSG): the input, associated data, IV or key is \
             not what was sealed; nothing was written"
        ),
        Error::MessageTooLong => {
            let wmem_max = std::fs::read_to_string("/proc/sys/net/core/wmem_max")
                .map(|text| text.trim().to_owned())
                .unwrap_or_else(|_| "?".to_owned());
            format!(
                "{alg}: {} bytes of input and associated data exceed the socket buffer the \
                 kernel allows (EMSGSIZE; an AEAD operation is held whole; without CAP_NET_ADMIN \
                 the limit follows net.core.wmem_max = {wmem_max})",
                data.len() + aad.len()
            )
        }
        Error::InvalidArgument => {
            let short = match (direction, tag_len) {
                (Direction::Decrypt, Some(tag)) if data.len() < tag => {
                    format!(": the input ({} bytes) is shorter than the {tag}-byte tag", data.len())
                }
                _ => ": check the IV length and, for rfc4106, that the associated data is 8 or 12 bytes followed by the IV".to_owned(),
            };
            format!("{alg}: the kernel refused the operation (EINVAL){short}")
        }
        err => format!("{alg}: {err}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aead_names_are_recognised() {
        for name in [
            "gcm(aes)",
            "ccm(aes)",
            "rfc4106(gcm(aes))",
            "rfc7539(chacha20,poly1305)",
            "rfc7539esp(chacha20,poly1305)",
            "gcm_base(ctr(aes-aesni),ghash-generic)",
            "authenc(hmac(sha256),cbc(aes))",
            "GCM(AES)",
        ] {
            assert_eq!(type_of(name), CipherType::Aead, "{name}");
        }
        for name in [
            "cbc(aes)",
            "ctr(aes)",
            "xts(aes)",
            "chacha20",
            "ecb(aes)",
            "cts(cbc(aes))",
        ] {
            assert_eq!(type_of(name), CipherType::Skcipher, "{name}");
        }
    }

    #[test]
    fn aead_errors_say_what_happened() {
        let msg = aead_error(
            "gcm(aes)",
            Direction::Decrypt,
            b"x",
            b"",
            Some(16),
            Error::AuthenticationFailed,
        );
        assert!(
            msg.contains("authentication failed") && msg.contains("nothing was written"),
            "{msg}"
        );
        let msg = aead_error(
            "gcm(aes)",
            Direction::Decrypt,
            b"short",
            b"",
            Some(16),
            Error::InvalidArgument,
        );
        assert!(msg.contains("shorter than the 16-byte tag"), "{msg}");
        let msg = aead_error(
            "gcm(aes)",
            Direction::Encrypt,
            &[0; 10],
            &[0; 5],
            None,
            Error::MessageTooLong,
        );
        assert!(
            msg.contains("15 bytes") && msg.contains("wmem_max"),
            "{msg}"
        );
    }
}
