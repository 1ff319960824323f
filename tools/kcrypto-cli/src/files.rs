// SPDX-License-Identifier: GPL-2.0

//! Inputs and outputs of `enc`, `dec` and `rng`: files or standard streams,
//! raw or hex, outputs that vanish when the command fails, and the progress
//! bar.

use std::ffi::{OsStr, OsString};
use std::fs::{File, OpenOptions};
use std::io::{self, IsTerminal, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Inputs larger than this get a progress bar (when stderr is a terminal).
pub const PROGRESS_THRESHOLD: u64 = 16 * 1024 * 1024;

/// Whether a command-line name means a standard stream.
pub fn is_std(name: &OsStr) -> bool {
    name == "-"
}

/// An input: a file or standard input, optionally hex to decode.
pub struct Input {
    reader: Box<dyn Read>,
    /// Size of a regular file, for the progress bar.
    pub size: Option<u64>,
    /// The file's identity, to refuse writing over it.
    pub id: Option<(u64, u64)>,
    hex: Option<HexDecoder>,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("size", &self.size)
            .field("hex", &self.hex.is_some())
            .finish_non_exhaustive()
    }
}

impl Input {
    /// Opens `name` (`-`: standard input); with `hex`, the bytes are hex
    /// digits (white space ignored) to decode.
    pub fn open(name: &OsStr, hex: bool) -> io::Result<Input> {
        let file = if is_std(name) {
            // A duplicate of descriptor 0, for its metadata and reads.
            let fd = std::os::fd::AsFd::as_fd(&io::stdin()).try_clone_to_owned()?;
            File::from(fd)
        } else {
            File::open(name)?
        };
        let meta = file.metadata().ok();
        let size = meta
            .as_ref()
            .filter(|meta| meta.is_file())
            .map(|meta| meta.len());
        let id = meta
            .as_ref()
            .filter(|meta| meta.is_file())
            .map(|meta| (meta.dev(), meta.ino()));
        Ok(Input {
            reader: Box::new(file),
            size,
            id,
            hex: hex.then(HexDecoder::default),
        })
    }

    /// An input over any reader (tests).
    #[cfg(test)]
    pub fn from_reader(reader: impl Read + 'static, hex: bool) -> Input {
        Input {
            reader: Box::new(reader),
            size: None,
            id: None,
            hex: hex.then(HexDecoder::default),
        }
    }

    /// Reads the next bytes into `buf` (cleared first); `Ok(false)` at the
    /// end. Raw bytes read at most `max`.
    pub fn next_chunk(&mut self, buf: &mut Vec<u8>, max: usize) -> io::Result<bool> {
        buf.clear();
        let mut raw = vec![0; max];
        loop {
            let len = match self.reader.read(&mut raw) {
                Ok(len) => len,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            };
            if len == 0 {
                if let Some(hex) = &self.hex {
                    hex.finish()?;
                }
                return Ok(false);
            }
            match &mut self.hex {
                Some(hex) => hex.decode(&raw[..len], buf)?,
                None => buf.extend_from_slice(&raw[..len]),
            }
            if !buf.is_empty() {
                return Ok(true);
            }
        }
    }

    /// Everything left.
    pub fn read_all(&mut self, limit: usize) -> io::Result<Vec<u8>> {
        let mut all = Vec::new();
        let mut chunk = Vec::new();
        while self.next_chunk(&mut chunk, 256 * 1024)? {
            all.extend_from_slice(&chunk);
            if all.len() > limit {
                return Err(io::Error::new(
                    io::ErrorKind::FileTooLarge,
                    format!("more than {limit} bytes"),
                ));
            }
        }
        Ok(all)
    }
}

/// Decodes hex digits split anywhere, white space ignored.
#[derive(Debug, Default)]
struct HexDecoder {
    high: Option<u8>,
    offset: u64,
}

impl HexDecoder {
    fn decode(&mut self, text: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
        for &ch in text {
            self.offset += 1;
            let value = match ch {
                b'0'..=b'9' => ch - b'0',
                b'a'..=b'f' => ch - b'a' + 10,
                b'A'..=b'F' => ch - b'A' + 10,
                b' ' | b'\t' | b'\n' | b'\r' => continue,
                _ => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "--hex-in: byte {} ({:?}) is not a hex digit",
                            self.offset,
                            char::from(ch)
                        ),
                    ));
                }
            };
            match self.high.take() {
                Some(high) => out.push((high << 4) | value),
                None => self.high = Some(value),
            }
        }
        Ok(())
    }

    fn finish(&self) -> io::Result<()> {
        if self.high.is_some() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "--hex-in: odd number of hex digits",
            ));
        }
        Ok(())
    }
}

/// An output: standard output or a file, raw or as hex. A file this command
/// created or truncated is removed again unless [`Output::commit`] is
/// called, so a failed command leaves no partial output behind.
#[derive(Debug)]
pub struct Output {
    sink: Sink,
    hex: bool,
    written: u64,
}

#[derive(Debug)]
enum Sink {
    Stdout(io::Stdout),
    File {
        file: io::BufWriter<File>,
        path: PathBuf,
        /// A regular file to remove on failure.
        remove: bool,
        committed: bool,
    },
    /// Collected in memory (JSON output of standard output).
    Memory(Vec<u8>),
}

impl Output {
    /// Opens `name` for writing (`-`: standard output); refuses to write
    /// over `input_id`, the input file.
    pub fn create(name: &OsStr, hex: bool, input_id: Option<(u64, u64)>) -> io::Result<Output> {
        let sink = if is_std(name) {
            Sink::Stdout(io::stdout())
        } else {
            let path = PathBuf::from(name);
            if let (Some(id), Ok(meta)) = (input_id, std::fs::metadata(&path)) {
                if (meta.dev(), meta.ino()) == id {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "the output is the input file (it would be destroyed)",
                    ));
                }
            }
            let file = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&path)?;
            let remove = file.metadata().map(|m| m.is_file()).unwrap_or(false);
            Sink::File {
                file: io::BufWriter::with_capacity(256 * 1024, file),
                path,
                remove,
                committed: false,
            }
        };
        Ok(Output {
            sink,
            hex,
            written: 0,
        })
    }

    /// An output collected in memory (for `--json` with standard output).
    pub fn memory() -> Output {
        Output {
            sink: Sink::Memory(Vec::new()),
            hex: false,
            written: 0,
        }
    }

    /// Writes `data` (as hex if asked).
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        self.written += data.len() as u64;
        let hex;
        let bytes = if self.hex {
            hex = kcrypto::hex::encode(data);
            hex.as_bytes()
        } else {
            data
        };
        match &mut self.sink {
            Sink::Stdout(out) => out.lock().write_all(bytes),
            Sink::File { file, .. } => file.write_all(bytes),
            Sink::Memory(buf) => {
                buf.extend_from_slice(bytes);
                Ok(())
            }
        }
    }

    /// Bytes written (before hex encoding).
    pub fn written(&self) -> u64 {
        self.written
    }

    /// The collected bytes of a [`Output::memory`] output.
    pub fn take_memory(&mut self) -> Vec<u8> {
        match &mut self.sink {
            Sink::Memory(buf) => std::mem::take(buf),
            _ => Vec::new(),
        }
    }

    /// Ends the output (a newline after hex) and keeps it.
    pub fn commit(mut self) -> io::Result<()> {
        if self.hex {
            let newline: &[u8] = b"\n";
            match &mut self.sink {
                Sink::Stdout(out) => out.lock().write_all(newline)?,
                Sink::File { file, .. } => file.write_all(newline)?,
                Sink::Memory(_) => {}
            }
        }
        match &mut self.sink {
            Sink::Stdout(out) => out.lock().flush(),
            Sink::File {
                file, committed, ..
            } => {
                file.flush()?;
                file.get_ref().sync_data().or_else(|err| {
                    // Character devices and pipes cannot sync.
                    if err.raw_os_error() == Some(libc::EINVAL) {
                        Ok(())
                    } else {
                        Err(err)
                    }
                })?;
                *committed = true;
                Ok(())
            }
            Sink::Memory(_) => Ok(()),
        }
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Sink::File {
            path,
            remove: true,
            committed: false,
            ..
        } = &self.sink
        {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A progress bar on stderr for a large input when stderr is a terminal,
/// else a hidden one.
pub fn progress_bar(size: Option<u64>, name: &OsStr) -> ProgressBar {
    progress_bar_if(io::stderr().is_terminal(), size, name)
}

fn progress_bar_if(enabled: bool, size: Option<u64>, name: &OsStr) -> ProgressBar {
    match size {
        Some(size) if enabled && size > PROGRESS_THRESHOLD => {
            let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(name.to_string_lossy().into_owned());
            bar
        }
        _ => ProgressBar::hidden(),
    }
}

/// An I/O error's text without Rust's " (os error N)" suffix.
pub fn io_text(err: &io::Error) -> String {
    let text = err.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// A command-line name for messages.
pub fn display(name: &OsString) -> String {
    if is_std(name) {
        "-".to_owned()
    } else {
        name.to_string_lossy().into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(pieces: &[&str]) -> io::Result<Vec<u8>> {
        let mut decoder = HexDecoder::default();
        let mut out = Vec::new();
        for piece in pieces {
            decoder.decode(piece.as_bytes(), &mut out)?;
        }
        decoder.finish()?;
        Ok(out)
    }

    #[test]
    fn hex_input_splits_anywhere_and_skips_space() {
        assert_eq!(
            decode_all(&["0a", "Bc\n", "d", "e f0"]).ok(),
            Some(vec![0x0a, 0xbc, 0xde, 0xf0])
        );
        assert_eq!(decode_all(&[""]).ok(), Some(vec![]));
        let err = decode_all(&["0a", "x"]).expect_err("x");
        assert!(err.to_string().contains("byte 3"), "{err}");
        let err = decode_all(&["abc"]).expect_err("odd");
        assert!(err.to_string().contains("odd number"), "{err}");
    }

    #[test]
    fn inputs_come_in_chunks() {
        let mut input = Input::from_reader(io::Cursor::new(b"00ff\n10".to_vec()), true);
        let mut buf = Vec::new();
        let mut all = Vec::new();
        while input.next_chunk(&mut buf, 2).expect("read") {
            all.extend_from_slice(&buf);
        }
        assert_eq!(all, [0x00, 0xff, 0x10]);
        let mut input = Input::from_reader(io::Cursor::new(vec![7; 1000]), false);
        assert_eq!(input.read_all(1000).map(|v| v.len()).ok(), Some(1000));
        let mut input = Input::from_reader(io::Cursor::new(vec![7; 1001]), false);
        assert!(input.read_all(1000).is_err());
    }

    #[test]
    fn failed_outputs_are_removed_committed_ones_kept() {
        let dir = std::env::temp_dir();
        let path = dir.join(format!("kcrypto-cli-output-{}", std::process::id()));
        let mut out = Output::create(path.as_os_str(), true, None).expect("create");
        out.write(&[0xab]).expect("write");
        drop(out);
        assert!(!path.exists(), "uncommitted output left behind");

        let mut out = Output::create(path.as_os_str(), true, None).expect("create");
        out.write(&[0xab, 0xcd]).expect("write");
        assert_eq!(out.written(), 2);
        out.commit().expect("commit");
        assert_eq!(
            std::fs::read_to_string(&path).ok().as_deref(),
            Some("abcd\n")
        );

        // Writing over the input is refused before it is truncated.
        let meta = std::fs::metadata(&path).expect("metadata");
        let err = Output::create(path.as_os_str(), false, Some((meta.dev(), meta.ino())))
            .expect_err("same file");
        assert!(err.to_string().contains("is the input file"));
        assert_eq!(
            std::fs::read_to_string(&path).ok().as_deref(),
            Some("abcd\n")
        );
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn progress_only_for_large_inputs_on_a_terminal() {
        let big = PROGRESS_THRESHOLD + 1;
        let name = OsStr::new("f");
        assert_eq!(progress_bar_if(true, Some(big), name).length(), Some(big));
        assert_eq!(
            progress_bar_if(true, Some(PROGRESS_THRESHOLD), name).length(),
            None
        );
        assert_eq!(progress_bar_if(false, Some(big), name).length(), None);
    }
}
