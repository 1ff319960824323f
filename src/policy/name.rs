// SPDX-License-Identifier: GPL-2.0

//! Algorithm names as the policy reads them: parsed, never passed through.
//!
//! ```text
//!   name  := ident [ "(" name { "," name } ")" ]
//!   ident := one or more of  A-Z a-z 0-9 _ - .
//! ```
//!
//! Bounded: templates nest at most [`MAX_DEPTH`] deep, take at most [`MAX_ARGS`] arguments and a
//! name has at most [`MAX_PARTS`] identifiers. Parsing allocates nothing and recurses at most
//! [`MAX_DEPTH`] + 1 calls deep.

use kernel::prelude::*;

/// Deepest template nesting (`authenc(hmac(sha256),rfc3686(ctr(aes)))` is 3).
pub(crate) const MAX_DEPTH: usize = 4;
/// Most arguments of one template (the kernel's templates take at most 3).
pub(crate) const MAX_ARGS: usize = 4;
/// Most identifiers in one name.
pub(crate) const MAX_PARTS: usize = 24;
/// Longest name parsed (the crypto API's own limit is 127 bytes; a name with its driver names
/// replaced by generic ones may be longer).
pub(crate) const MAX_LEN: usize = 255;

/// Templates refused in every mode but open: each was the way into a CVE (`authencesn`:
/// CVE-2026-31431, CVE-2026-46033; `pcrypt`: CVE-2017-18075; `mcryptd`: CVE-2016-10147),
/// or, like `cryptd`, only moves work to another context, which a socket never needs.
const DANGEROUS_TEMPLATES: [&[u8]; 4] = [b"authencesn", b"pcrypt", b"cryptd", b"mcryptd"];

/// One identifier and, for a template, its arguments. Positions index the text.
#[derive(Clone, Copy, Default)]
struct Part {
    start: u8,
    ident_end: u8,
    end: u8,
    /// Index of the first argument; 0 for none (the whole name is part 0, never an argument).
    first_arg: u8,
    /// Index of the next argument of the same template; 0 for none.
    next: u8,
}

/// A parsed algorithm name.
pub(crate) struct Name<'a> {
    text: &'a [u8],
    parts: [Part; MAX_PARTS],
    count: usize,
}

fn is_ident(c: &u8) -> bool {
    c.is_ascii_alphanumeric() || b"_-.".contains(c)
}

impl<'a> Name<'a> {
    /// Parses `text`; `EINVAL` if it is not a name of the grammar or exceeds a bound.
    pub(crate) fn parse(text: &'a [u8]) -> Result<Self> {
        if text.len() > MAX_LEN {
            return Err(EINVAL);
        }
        let mut name = Self {
            text,
            parts: [Part::default(); MAX_PARTS],
            count: 0,
        };
        let (_, end) = name.part(0, 0)?;
        if end != text.len() {
            return Err(EINVAL);
        }
        Ok(name)
    }

    /// Parses one part starting at `pos`, `depth` templates deep; returns its index and end.
    fn part(&mut self, pos: usize, depth: usize) -> Result<(usize, usize)> {
        if depth > MAX_DEPTH || self.count == MAX_PARTS {
            return Err(EINVAL);
        }
        let index = self.count;
        self.count += 1;
        let rest = self.text.get(pos..).ok_or(EINVAL)?;
        let ident_end = pos + rest.iter().take_while(|c| is_ident(c)).count();
        if ident_end == pos {
            return Err(EINVAL);
        }
        let mut end = ident_end;
        let mut first_arg = 0;
        let mut last_arg = 0;
        if self.text.get(end) == Some(&b'(') {
            let mut args = 0;
            loop {
                if args == MAX_ARGS {
                    return Err(EINVAL);
                }
                let (arg, arg_end) = self.part(end + 1, depth + 1)?;
                if args == 0 {
                    first_arg = arg;
                } else {
                    self.parts[last_arg].next = arg as u8;
                }
                last_arg = arg;
                args += 1;
                end = arg_end;
                match self.text.get(end) {
                    Some(b',') => {}
                    Some(b')') => {
                        end += 1;
                        break;
                    }
                    _ => return Err(EINVAL),
                }
            }
        }
        // Positions fit in a byte: the text is at most MAX_LEN bytes.
        self.parts[index] = Part {
            start: pos as u8,
            ident_end: ident_end as u8,
            end: end as u8,
            first_arg: first_arg as u8,
            next: 0,
        };
        Ok((index, end))
    }

    /// The whole name.
    pub(crate) fn text(&self) -> &'a [u8] {
        self.text
    }

    /// The identifier of part `index`.
    fn ident(&self, index: usize) -> &'a [u8] {
        let part = self.parts[index];
        &self.text[part.start as usize..part.ident_end as usize]
    }

    /// Part `index` with its arguments.
    fn span(&self, index: usize) -> &'a [u8] {
        let part = self.parts[index];
        &self.text[part.start as usize..part.end as usize]
    }

    /// Whether part `inner` lies within the arguments of part `outer`.
    fn is_within(&self, inner: usize, outer: usize) -> bool {
        let (inner, outer) = (self.parts[inner], self.parts[outer]);
        inner.start > outer.start && inner.start < outer.end
    }

    /// Whether the name uses a construction refused in every mode but open: an internal
    /// (`__`-prefixed) algorithm, a template of [`DANGEROUS_TEMPLATES`] or an HMAC of an HMAC
    /// (CVE-2017-17806).
    pub(crate) fn is_dangerous(&self) -> bool {
        (0..self.count).any(|i| {
            let ident = self.ident(i);
            ident.starts_with(b"__")
                || DANGEROUS_TEMPLATES.contains(&ident)
                || (ident == b"hmac"
                    && (0..self.count).any(|j| self.ident(j) == b"hmac" && self.is_within(j, i)))
        })
    }

    /// Writes the name into `out` with every part that `resolve` knows as a driver name
    /// replaced by its generic name; returns the length written, `E2BIG` if it does not fit.
    ///
    /// `resolve(driver, buf)` writes the generic name into `buf` and returns its length,
    /// `None` if `driver` is no driver name, or an error (`E2BIG`: `buf` is too small).
    pub(crate) fn generic(
        &self,
        resolve: &mut impl FnMut(&[u8], &mut [u8]) -> Result<Option<usize>>,
        out: &mut [u8],
    ) -> Result<usize> {
        let mut writer = Writer { out, len: 0 };
        self.write_generic(0, resolve, &mut writer)?;
        Ok(writer.len)
    }

    fn write_generic(
        &self,
        index: usize,
        resolve: &mut impl FnMut(&[u8], &mut [u8]) -> Result<Option<usize>>,
        out: &mut Writer<'_>,
    ) -> Result {
        if let Some(len) = resolve(self.span(index), out.rest())? {
            return out.advance(len);
        }
        out.push(self.ident(index))?;
        let mut arg = self.parts[index].first_arg as usize;
        if arg == 0 {
            return Ok(());
        }
        out.push(b"(")?;
        loop {
            self.write_generic(arg, resolve, out)?;
            arg = self.parts[arg].next as usize;
            if arg == 0 {
                break;
            }
            out.push(b",")?;
        }
        out.push(b")")
    }
}

struct Writer<'a> {
    out: &'a mut [u8],
    len: usize,
}

impl Writer<'_> {
    fn rest(&mut self) -> &mut [u8] {
        &mut self.out[self.len..]
    }

    fn advance(&mut self, len: usize) -> Result {
        if len > self.out.len() - self.len {
            return Err(E2BIG);
        }
        self.len += len;
        Ok(())
    }

    fn push(&mut self, bytes: &[u8]) -> Result {
        let end = self.len + bytes.len();
        self.out
            .get_mut(self.len..end)
            .ok_or(E2BIG)?
            .copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }
}

/// The entries of an allowlist: names separated by white space or by commas outside
/// parentheses.
pub(crate) fn entries(list: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = list;
    core::iter::from_fn(move || {
        let is_separator = |c: &u8| c.is_ascii_whitespace() || *c == b',' || *c == 0;
        let start = rest.iter().position(|c| !is_separator(c))?;
        rest = &rest[start..];
        let mut depth = 0usize;
        let end = rest
            .iter()
            .position(|c| {
                match c {
                    b'(' => depth += 1,
                    b')' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                c.is_ascii_whitespace() || *c == 0 || (*c == b',' && depth == 0)
            })
            .unwrap_or(rest.len());
        let (entry, tail) = rest.split_at(end);
        rest = tail;
        Some(entry)
    })
}

#[cfg(CONFIG_KUNIT = "y")]
mod tests {
    use super::*;

    fn parses(text: &[u8]) -> bool {
        Name::parse(text).is_ok()
    }

    kunit_case!(kcrypto_test_policy_name_parse, |t| {
        for good in [
            &b"sha256"[..],
            b"hmac(sha256)",
            b"rfc7539(chacha20,poly1305)",
            b"gcm_base(ctr(aes-aesni),ghash-generic)",
            b"authenc(hmac(sha256),rfc3686(ctr(aes)))",
            b"a(b(c(d(e))))",
            b"t(a,b,c,d)",
            b"sha3-256",
            b"x.y_z-1",
        ] {
            kunit_expect!(t, parses(good), "{:?} refused", core::str::from_utf8(good));
        }
        for bad in [
            &b""[..],
            b"(",
            b")",
            b"a(",
            b"a()",
            b"a(b",
            b"a(b))",
            b"a(b,)",
            b"a(,b)",
            b"a,b",
            b"a b",
            b"a(b)c",
            b"a(b)(c)",
            b"(a)",
            b"sha256\0",
            b"a/b",
            b"a(b(c(d(e(f)))))",
            b"t(a,b,c,d,e)",
        ] {
            kunit_expect!(t, !parses(bad), "{:?} accepted", core::str::from_utf8(bad));
        }
        kunit_expect!(t, parses(&[b'a'; MAX_LEN]));
        kunit_expect!(t, !parses(&[b'a'; MAX_LEN + 1]));
        // 24 identifiers are enough for any real name; 25 are refused.
        let many = b"a(b(c,d,e,f),g(h,i,j,k),l(m,n,o,p),q(r(s,t),u(v,w),x))";
        kunit_expect!(t, parses(many));
        let too_many = b"a(b(c,d,e,f),g(h,i,j,k),l(m,n,o,p),q(r(s,t),u(v,w),x(y)))";
        kunit_expect!(t, !parses(too_many));

        for (text, dangerous) in [
            (&b"hmac(sha256)"[..], false),
            (b"authenc(hmac(sha256),cbc(aes))", false),
            (b"hmac(hmac(sha256))", true),
            (b"hmac(cmac(hmac(sha1)))", true),
            (b"authencesn(hmac(sha256),cbc(aes))", true),
            (b"pcrypt(gcm(aes))", true),
            (b"cryptd(sha256)", true),
            (b"mcryptd(sha256)", true),
            (b"rfc4106(cryptd(gcm(aes)))", true),
            (b"__cbc-aes-aesni", true),
            (b"cbc(__aes-aesni)", true),
            (b"authenc_esn", false),
        ] {
            let got = Name::parse(text).map(|name| name.is_dangerous());
            kunit_expect_eq!(t, got, Ok(dangerous), "{:?}", core::str::from_utf8(text));
        }

        let list = b" sha256\thmac(sha1),rfc7539(chacha20,poly1305)\n,,x ";
        let mut it = entries(list);
        kunit_expect_eq!(t, it.next(), Some(&b"sha256"[..]));
        kunit_expect_eq!(t, it.next(), Some(&b"hmac(sha1)"[..]));
        kunit_expect_eq!(t, it.next(), Some(&b"rfc7539(chacha20,poly1305)"[..]));
        kunit_expect_eq!(t, it.next(), Some(&b"x"[..]));
        kunit_expect_eq!(t, it.next(), None);
        kunit_expect_eq!(t, entries(b" \n").next(), None);
    });

    /// A stand-in for the crypto API's algorithm list.
    fn resolve(driver: &[u8], out: &mut [u8]) -> Result<Option<usize>> {
        let generic: &[u8] = match driver {
            b"aes-aesni" | b"aes-generic" => b"aes",
            b"cbc-aes-aesni" | b"cbc(aes-aesni)" => b"cbc(aes)",
            b"gcm_base(ctr(aes-aesni),ghash-generic)" => b"gcm(aes)",
            b"ghash-generic" => b"ghash",
            b"long" => &[b'l'; 200],
            _ => return Ok(None),
        };
        let out = out.get_mut(..generic.len()).ok_or(E2BIG)?;
        out.copy_from_slice(generic);
        Ok(Some(generic.len()))
    }

    kunit_case!(kcrypto_test_policy_generic_name, |t| {
        let mut out = [0u8; MAX_LEN];
        for (text, want) in [
            (&b"cbc(aes)"[..], &b"cbc(aes)"[..]),
            (b"cbc-aes-aesni", b"cbc(aes)"),
            (b"cbc(aes-aesni)", b"cbc(aes)"),
            (b"ctr(aes-generic)", b"ctr(aes)"),
            (
                b"rfc4106(gcm_base(ctr(aes-aesni),ghash-generic))",
                b"rfc4106(gcm(aes))",
            ),
            (b"t(aes-aesni,x,cbc-aes-aesni)", b"t(aes,x,cbc(aes))"),
        ] {
            let name = kunit_try!(t, Name::parse(text));
            let len = kunit_try!(t, name.generic(&mut resolve, &mut out));
            kunit_expect_eq!(t, &out[..len], want, "{:?}", core::str::from_utf8(text));
        }
        // A result that does not fit is an error, not a truncated name.
        let name = kunit_try!(t, Name::parse(b"t(long,long)"));
        kunit_expect_eq!(t, name.generic(&mut resolve, &mut out), Err(E2BIG));
    });
}
