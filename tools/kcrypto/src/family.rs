// SPDX-License-Identifier: GPL-2.0

//! Which socket family to talk to.
//!
//! kcrypto.ko registers its family under a number chosen at load time (the
//! `family` module parameter, 25 by default). [`Family::discover`] finds it;
//! `KCRYPTO_FAMILY` overrides it, for example with 38 to run the same program
//! against the kernel's own AF_ALG.

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::path::Path;

use crate::error::{Error, Result};

/// The environment variable that overrides the family number.
pub const FAMILY_ENV: &str = "KCRYPTO_FAMILY";
/// The sysfs file with the family number of the loaded kcrypto.ko
/// (`KCRYPTO_FAMILY_PATH` in `if_kcrypto.h`).
pub const FAMILY_PATH: &str = "/sys/module/kcrypto/parameters/family";
/// The sysfs directory that exists while kcrypto.ko is loaded.
pub const MODULE_PATH: &str = "/sys/module/kcrypto";
/// The family number kcrypto.ko uses unless told otherwise
/// (`AF_KCRYPTO_DEFAULT` in `if_kcrypto.h`).
pub const AF_KCRYPTO_DEFAULT: i32 = 25;

/// A socket family number with AF_ALG's ABI.
///
/// # Examples
///
/// ```no_run
/// use kcrypto::{Family, Hash};
///
/// // kcrypto's family, or whatever KCRYPTO_FAMILY says:
/// let family = Family::discover()?;
/// // The kernel's own AF_ALG, for comparison:
/// let reference = Hash::open(Family::AF_ALG, "sha256")?;
/// println!("{family} vs {}", reference.family());
/// # Ok::<(), kcrypto::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Family(u16);

impl Family {
    /// The kernel's own AF_ALG (38).
    pub const AF_ALG: Family = Family(libc::AF_ALG as u16);

    /// A family by number; `None` unless `1 <= number <= 65535` (the range of
    /// `salg_family`).
    pub fn new(number: i32) -> Option<Family> {
        u16::try_from(number).ok().filter(|&n| n != 0).map(Family)
    }

    /// The family number, as `socket()` takes it.
    pub fn number(self) -> i32 {
        i32::from(self.0)
    }

    /// The family number as stored in `sockaddr_alg.salg_family`.
    pub fn sa_family(self) -> u16 {
        self.0
    }

    /// Parses a decimal family number, ignoring surrounding white space (sysfs
    /// values end in a newline).
    pub fn parse(text: &str) -> Option<Family> {
        text.trim().parse::<i32>().ok().and_then(Family::new)
    }

    /// The family to use: `KCRYPTO_FAMILY` if set and not empty, else the
    /// number kcrypto.ko was loaded with.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidFamily`] for a value that is not a family number,
    /// [`Error::ModuleNotLoaded`] without the module, and
    /// [`Error::NoFamilyParameter`] when the loaded module has no family.
    pub fn discover() -> Result<Family> {
        discover_from(
            std::env::var_os(FAMILY_ENV).as_deref(),
            Path::new(MODULE_PATH),
        )
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Family::AF_ALG {
            write!(f, "{} (AF_ALG)", self.0)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

/// [`Family::discover`] with its inputs made explicit, for tests.
pub(crate) fn discover_from(env: Option<&OsStr>, module_dir: &Path) -> Result<Family> {
    if let Some(value) = env.filter(|value| !value.is_empty()) {
        return value
            .to_str()
            .and_then(Family::parse)
            .ok_or_else(|| Error::InvalidFamily {
                origin: FAMILY_ENV,
                value: value.to_string_lossy().into_owned(),
            });
    }
    let param = module_dir.join("parameters/family");
    match std::fs::read_to_string(&param) {
        Ok(text) => Family::parse(&text).ok_or(Error::InvalidFamily {
            origin: FAMILY_PATH,
            value: text,
        }),
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            if module_dir.exists() {
                Err(Error::NoFamilyParameter)
            } else {
                Err(Error::ModuleNotLoaded)
            }
        }
        Err(err) => Err(Error::from(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::path::PathBuf;

    /// A scratch directory standing in for /sys/module/kcrypto.
    struct FakeModule(PathBuf);

    impl FakeModule {
        fn new(tag: &str, param: Option<&str>) -> FakeModule {
            let dir = std::env::temp_dir()
                .join(format!("kcrypto-family-test-{}-{tag}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(dir.join("parameters")).expect("create fake module dir");
            if let Some(param) = param {
                fs::write(dir.join("parameters/family"), param).expect("write fake parameter");
            }
            FakeModule(dir)
        }
    }

    impl Drop for FakeModule {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn family_numbers() {
        assert_eq!(Family::AF_ALG.number(), 38);
        assert_eq!(Family::new(25).map(Family::number), Some(25));
        assert_eq!(Family::new(0), None);
        assert_eq!(Family::new(-1), None);
        assert_eq!(Family::new(65536), None);
        assert_eq!(Family::parse("25\n"), Family::new(25));
        assert_eq!(Family::parse(" 38 "), Some(Family::AF_ALG));
        assert_eq!(Family::parse("0x26"), None);
        assert_eq!(Family::parse(""), None);
        assert_eq!(Family::AF_ALG.to_string(), "38 (AF_ALG)");
        assert_eq!(
            Family::new(25).map(|f| f.to_string()).as_deref(),
            Some("25")
        );
    }

    #[test]
    fn env_overrides_sysfs() {
        let module = FakeModule::new("env", Some("25\n"));
        let family = discover_from(Some(OsStr::new("38")), &module.0);
        assert_eq!(family.ok(), Some(Family::AF_ALG));
    }

    #[test]
    fn empty_env_is_unset() {
        let module = FakeModule::new("empty-env", Some("30\n"));
        let family = discover_from(Some(OsStr::new("")), &module.0);
        assert_eq!(family.ok(), Family::new(30));
    }

    #[test]
    fn bad_env_is_reported() {
        let module = FakeModule::new("bad-env", Some("25\n"));
        match discover_from(Some(OsStr::new("alg")), &module.0) {
            Err(Error::InvalidFamily { origin, value }) => {
                assert_eq!(origin, FAMILY_ENV);
                assert_eq!(value, "alg");
            }
            other => panic!("got {other:?}"),
        }
    }

    #[test]
    fn sysfs_parameter_is_read() {
        let module = FakeModule::new("sysfs", Some("27\n"));
        assert_eq!(discover_from(None, &module.0).ok(), Family::new(27));
    }

    #[test]
    fn missing_module_and_missing_parameter_differ() {
        let module = FakeModule::new("no-param", None);
        assert!(matches!(
            discover_from(None, &module.0),
            Err(Error::NoFamilyParameter)
        ));
        let gone = module.0.join("not-there");
        let err = discover_from(None, &gone).expect_err("no module");
        assert!(matches!(err, Error::ModuleNotLoaded));
        assert!(err.is_unavailable());
    }

    #[test]
    fn garbage_parameter_is_invalid() {
        let module = FakeModule::new("garbage", Some("banana\n"));
        assert!(matches!(
            discover_from(None, &module.0),
            Err(Error::InvalidFamily {
                origin: FAMILY_PATH,
                ..
            })
        ));
    }
}
