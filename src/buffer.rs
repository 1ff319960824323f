// SPDX-License-Identifier: GPL-2.0

//! Kernel-owned buffers for data that came from userspace.
//!
//! Keys, plaintext and digests only ever live in a [`SecretBuf`], a [`SockBuf`] or a
//! [`PageBuf`]: charged to the caller's memory cgroup (a [`SockBuf`] to its socket too), and
//! wiped before the memory is freed.

use core::{
    marker::PhantomData,
    ops::{Deref, DerefMut},
    ptr::NonNull,
};
use kernel::{
    error::from_err_ptr,
    page::{Page, PAGE_SIZE},
    prelude::*,
};

use crate::{ffi, limits, msg::Msg};

/// A zero-initialised byte buffer that is wiped on drop.
pub(crate) struct SecretBuf {
    buf: KVec<u8>,
}

impl SecretBuf {
    /// An empty buffer (no allocation).
    pub(crate) const fn new() -> Self {
        Self { buf: KVec::new() }
    }

    /// Allocates `len` zero bytes, charged to the current task's memory cgroup.
    pub(crate) fn zeroed(len: usize) -> Result<Self> {
        Ok(Self {
            buf: KVec::from_elem(0u8, len, GFP_KERNEL_ACCOUNT)?,
        })
    }
}

impl SecretBuf {
    /// Shortens the buffer to `len` bytes, wiping the rest.
    pub(crate) fn truncate(&mut self, len: usize) {
        if len < self.buf.len() {
            wipe(&mut self.buf[len..]);
            // SAFETY: `len` is less than the current length; `u8` needs no drop.
            unsafe { self.buf.set_len(len) };
        }
    }
}

impl Deref for SecretBuf {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.buf.as_slice()
    }
}

impl DerefMut for SecretBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        self.buf.as_mut_slice()
    }
}

impl Drop for SecretBuf {
    fn drop(&mut self) {
        wipe(&mut self.buf);
    }
}

/// A small stack buffer for secret bytes in transit, wiped on every path out.
pub(crate) struct Scratch<const N: usize>([u8; N]);

impl<const N: usize> Scratch<N> {
    pub(crate) const fn new() -> Self {
        Self([0; N])
    }
}

impl<const N: usize> Deref for Scratch<N> {
    type Target = [u8; N];

    fn deref(&self) -> &[u8; N] {
        &self.0
    }
}

impl<const N: usize> DerefMut for Scratch<N> {
    fn deref_mut(&mut self) -> &mut [u8; N] {
        &mut self.0
    }
}

impl<const N: usize> Drop for Scratch<N> {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// Zeroes `buf` in a way the compiler cannot elide (`memzero_explicit`).
pub(crate) fn wipe(buf: &mut [u8]) {
    // SAFETY: The pointer and length describe `buf`, valid for writes.
    unsafe { ffi::kcrypto_memzero_explicit(buf.as_mut_ptr().cast(), buf.len()) };
}

/// A zeroed buffer charged to a socket's option memory (`net.core.optmem_max`), wiped and
/// uncharged on drop.
///
/// # Invariants
///
/// `buf` was returned by `kcrypto_sock_buf_alloc(sk, len)`, is owned by this value, and `sk`
/// stays live for `'a`.
pub(crate) struct SockBuf<'a> {
    sk: NonNull<ffi::Sock>,
    buf: NonNull<u8>,
    len: usize,
    _sock: PhantomData<&'a ffi::Sock>,
}

impl SockBuf<'_> {
    /// Allocates `len` zero bytes charged to `sk`.
    ///
    /// # Safety
    ///
    /// `sk` must be a live socket for the lifetime of the returned value.
    pub(crate) unsafe fn new(sk: NonNull<ffi::Sock>, len: usize) -> Result<Self> {
        // SAFETY: The caller guarantees `sk` is live.
        let buf = from_err_ptr(unsafe { ffi::kcrypto_sock_buf_alloc(sk.as_ptr(), len) })?;
        let buf = NonNull::new(buf.cast::<u8>()).ok_or(ENOMEM)?;
        // INVARIANT: `buf` was just allocated for `sk` with `len` bytes.
        Ok(Self {
            sk,
            buf,
            len,
            _sock: PhantomData,
        })
    }
}

impl Deref for SockBuf<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        // SAFETY: `buf` holds `len` zero-initialised bytes owned by `self` (type invariant).
        unsafe { core::slice::from_raw_parts(self.buf.as_ptr(), self.len) }
    }
}

impl DerefMut for SockBuf<'_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: `buf` holds `len` initialised bytes owned by `self` (type invariant).
        unsafe { core::slice::from_raw_parts_mut(self.buf.as_ptr(), self.len) }
    }
}

impl Drop for SockBuf<'_> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant `buf` came from `kcrypto_sock_buf_alloc(sk, len)` and
        // `sk` is still live.
        unsafe { ffi::kcrypto_sock_buf_free(self.sk.as_ptr(), self.buf.as_ptr().cast(), self.len) };
    }
}

/// What one page of a [`PageBuf`] takes: the page and its pointer in the page list.
const PAGE_FOOTPRINT: usize = PAGE_SIZE + core::mem::size_of::<usize>();

/// A growable byte buffer made of separately allocated pages, for data of any size the crypto
/// API reads and writes through scatterlists; charged to the caller's memory cgroup and wiped
/// before its pages are freed.
///
/// Pages are never shared: each belongs to one buffer, so the crypto API only ever sees memory
/// that no user mapping, page cache or other request can reach.
///
/// Pages are not zeroed when allocated (a whole page per small message was most of the cost of
/// a small request): every byte below `len` has been written (copied in, or zeroed by
/// [`PageBuf::zeroed`]), and nothing at or above `len` is ever read, by us or, through the
/// scatterlists [`PageBuf::pages`] feeds, by a driver.
pub(crate) struct PageBuf {
    pages: Pages,
    len: usize,
    /// How many leading bytes may have held data of ours: what is wiped on drop, so a small
    /// message in a page costs a small wipe.
    dirty: usize,
}

impl PageBuf {
    /// An empty buffer.
    pub(crate) const fn new() -> Self {
        Self {
            pages: Pages::new(),
            len: 0,
            dirty: 0,
        }
    }

    /// `len` zero bytes. A request's output starts so, although a successful request writes
    /// all of it: a driver that wrote less must not hand out what fresh pages held.
    pub(crate) fn zeroed(len: usize) -> Result<Self> {
        let mut buf = Self::new();
        buf.reserve(len)?;
        buf.for_each_piece(0, len, |page, offset, piece| {
            // SAFETY: The page belongs to this buffer and the piece lies within it.
            unsafe { page.fill_zero_raw(offset, piece) }
        })?;
        buf.len = len;
        // A request writes its output here.
        buf.dirty = len;
        Ok(buf)
    }

    /// The number of bytes held.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The memory the buffer takes: its pages and their entries in the page list.
    pub(crate) fn footprint(&self) -> usize {
        self.pages.len() * PAGE_FOOTPRINT
    }

    /// The most memory a buffer of `len` bytes takes (see [`Self::footprint`]).
    pub(crate) fn footprint_of(len: usize) -> usize {
        len.div_ceil(PAGE_SIZE).max(1) * PAGE_FOOTPRINT
    }

    /// Makes room for `len` bytes in total (new pages hold whatever they held: see the type's
    /// documentation).
    fn reserve(&mut self, len: usize) -> Result {
        let pages = len.div_ceil(PAGE_SIZE).max(1);
        self.pages.reserve(pages)?;
        while self.pages.len() < pages {
            self.pages.push(Page::alloc_page(GFP_KERNEL_ACCOUNT)?)?;
        }
        Ok(())
    }

    /// Calls `f(page, offset in page, length)` for each page piece of `offset..offset + len`.
    fn for_each_piece(
        &self,
        offset: usize,
        len: usize,
        mut f: impl FnMut(&Page, usize, usize) -> Result,
    ) -> Result {
        let end = offset.checked_add(len).ok_or(EINVAL)?;
        if end > self.pages.len() * PAGE_SIZE {
            return Err(EINVAL);
        }
        let mut at = offset;
        while at < end {
            let in_page = at % PAGE_SIZE;
            let piece = (PAGE_SIZE - in_page).min(end - at);
            f(
                self.pages.get(at / PAGE_SIZE).ok_or(EINVAL)?,
                in_page,
                piece,
            )?;
            at += piece;
        }
        Ok(())
    }

    /// Appends `len` bytes copied from `msg`; on error the buffer keeps its old length.
    pub(crate) fn append_from(&mut self, msg: &mut Msg<'_>, len: usize) -> Result {
        let end = self.len.checked_add(len).ok_or(EINVAL)?;
        self.reserve(end)?;
        // Before any byte is copied: a failed copy may leave some behind the length.
        self.dirty = self.dirty.max(end);
        let mut pieces = 0u32;
        self.for_each_piece(self.len, len, |page, offset, piece| {
            pieces = pieces.wrapping_add(1);
            // A large message must not hog the CPU, nor outlive its killed sender.
            if pieces % 64 == 0 && limits::yield_now() {
                return Err(EINTR);
            }
            msg.copy_page_from(page, offset, piece)
        })?;
        self.len = end;
        Ok(())
    }

    /// Appends a copy of `data`.
    pub(crate) fn append(&mut self, data: &[u8]) -> Result {
        let old = self.len;
        let end = old.checked_add(data.len()).ok_or(EINVAL)?;
        self.reserve(end)?;
        self.len = end;
        self.dirty = self.dirty.max(end);
        self.write(old, data).inspect_err(|_| self.len = old)
    }

    /// Appends a copy of the bytes of `src`; on error the buffer keeps its old length.
    pub(crate) fn append_buf(&mut self, src: &PageBuf) -> Result {
        let old = self.len;
        let end = old.checked_add(src.len()).ok_or(EINVAL)?;
        self.reserve(end)?;
        self.len = end;
        self.dirty = self.dirty.max(end);
        self.copy_within(old, src, 0, src.len())
            .inspect_err(|_| self.len = old)
    }

    /// Overwrites `offset..offset + data.len()` with `data`.
    pub(crate) fn write(&mut self, offset: usize, data: &[u8]) -> Result {
        if offset.checked_add(data.len()).ok_or(EINVAL)? > self.len {
            return Err(EINVAL);
        }
        let mut from = data;
        self.for_each_piece(offset, data.len(), |page, in_page, piece| {
            let (part, rest) = from.split_at(piece);
            // SAFETY: `part` is valid for `piece` bytes; the page belongs to this buffer, which
            // `&mut self` keeps anyone else from reading or writing meanwhile.
            unsafe { page.write_raw(part.as_ptr(), in_page, piece) }?;
            from = rest;
            Ok(())
        })
    }

    /// Overwrites `to..to + len` with `from..from + len` of `src`.
    pub(crate) fn copy_within(
        &mut self,
        to: usize,
        src: &PageBuf,
        from: usize,
        len: usize,
    ) -> Result {
        from.checked_add(len)
            .and(to.checked_add(len))
            .ok_or(EINVAL)?;
        let mut bounce = Scratch::<256>::new();
        let mut at = 0;
        while at < len {
            let piece = &mut bounce[..(len - at).min(256)];
            src.read(from + at, piece)?;
            self.write(to + at, piece)?;
            at += piece.len();
        }
        Ok(())
    }

    /// Copies `offset..offset + out.len()` into `out`.
    pub(crate) fn read(&self, offset: usize, out: &mut [u8]) -> Result {
        if offset.checked_add(out.len()).ok_or(EINVAL)? > self.len {
            return Err(EINVAL);
        }
        let mut into = out;
        self.for_each_piece(offset, into.len(), |page, in_page, piece| {
            let (part, rest) = core::mem::take(&mut into).split_at_mut(piece);
            // SAFETY: `part` is valid for writes of `piece` bytes; nobody writes to the
            // buffer's pages while `&self` is borrowed (writes need `&mut self`).
            unsafe { page.read_raw(part.as_mut_ptr(), in_page, piece) }?;
            into = rest;
            Ok(())
        })
    }

    /// Copies `offset..offset + len` into `msg`.
    pub(crate) fn write_to(&self, msg: &mut Msg<'_>, offset: usize, len: usize) -> Result {
        if offset.checked_add(len).ok_or(EINVAL)? > self.len {
            return Err(EINVAL);
        }
        self.for_each_piece(offset, len, |page, in_page, piece| {
            msg.copy_page_to(page, in_page, piece)
        })
    }

    /// The pages holding the first `len` bytes (at least one page, even for none), for a
    /// request; they stay valid as long as the buffer is neither dropped nor changed.
    pub(crate) fn pages(&mut self, len: usize) -> Result<PageList> {
        if len > self.len {
            return Err(EINVAL);
        }
        self.reserve(len)?;
        let count = len.div_ceil(PAGE_SIZE).max(1);
        let pages = self.pages.iter().take(count);
        let raw = |page: &Page| page.as_ptr().cast::<ffi::RawPage>();
        if count <= INLINE_PAGES {
            let mut inline = [core::ptr::null_mut(); INLINE_PAGES];
            for (slot, page) in inline.iter_mut().zip(pages) {
                *slot = raw(page);
            }
            return Ok(PageList::Inline(inline, count));
        }
        let mut list = KVec::with_capacity(count, GFP_KERNEL)?;
        for page in pages {
            list.push(raw(page), GFP_KERNEL)?;
        }
        Ok(PageList::Heap(list))
    }

    /// Splits off the bytes from `at` on into a new buffer, moving whole pages (`at` must be
    /// a multiple of the page size).
    pub(crate) fn split_off(&mut self, at: usize) -> Result<PageBuf> {
        if at % PAGE_SIZE != 0 || at > self.len {
            return Err(EINVAL);
        }
        let keep = at / PAGE_SIZE;
        let mut head = Pages::new();
        let mut rest = Pages::new();
        head.reserve(keep)?;
        rest.reserve(self.pages.len() - keep)?;
        for (i, page) in core::mem::replace(&mut self.pages, Pages::new())
            .into_iter()
            .enumerate()
        {
            // Cannot fail: the room is reserved.
            if i < keep {
                head.push(page)?;
            } else {
                rest.push(page)?;
            }
        }
        let rest = PageBuf {
            pages: rest,
            len: self.len - at,
            dirty: self.dirty.saturating_sub(at),
        };
        self.pages = head;
        self.len = at;
        self.dirty = at;
        Ok(rest)
    }

    /// Splits off the bytes from `at` on (at most [`MAX_TAIL`]) into a new buffer.
    pub(crate) fn split_tail(&mut self, at: usize) -> Result<PageBuf> {
        let rest = self.len.checked_sub(at).ok_or(EINVAL)?;
        let mut tail = Scratch::<MAX_TAIL>::new();
        let tail = tail.get_mut(..rest).ok_or(EINVAL)?;
        self.read(at, tail)?;
        let mut split = Self::new();
        split.append(tail)?;
        self.len = at;
        Ok(split)
    }
}

/// The pages of a [`PageBuf`]: the first inline, so that a message of up to a page allocates
/// no array.
///
/// # Invariants
///
/// `more` is empty while `first` is `None`.
struct Pages {
    first: Option<Page>,
    more: KVec<Page>,
}

impl Pages {
    const fn new() -> Self {
        // INVARIANT: Both are empty.
        Self {
            first: None,
            more: KVec::new(),
        }
    }

    fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.more.len()
    }

    fn get(&self, index: usize) -> Option<&Page> {
        match index {
            0 => self.first.as_ref(),
            _ => self.more.get(index - 1),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &Page> {
        Iterator::chain(self.first.iter(), self.more.iter())
    }

    /// Makes room for `count` pages in all: [`Self::push`] up to there cannot fail.
    fn reserve(&mut self, count: usize) -> Result {
        let more = count.saturating_sub(1).saturating_sub(self.more.len());
        self.more.reserve(more, GFP_KERNEL_ACCOUNT)?;
        Ok(())
    }

    fn push(&mut self, page: Page) -> Result {
        if self.first.is_none() {
            // INVARIANT: `more` is empty while `first` is `None`, so `page` comes first.
            self.first = Some(page);
            return Ok(());
        }
        self.more.push(page, GFP_KERNEL_ACCOUNT)?;
        Ok(())
    }

    fn into_iter(self) -> impl Iterator<Item = Page> {
        Iterator::chain(self.first.into_iter(), self.more)
    }
}

/// How many pages a [`PageList`] holds without an allocation (a small request's).
const INLINE_PAGES: usize = 4;

/// Pointers to the pages of a [`PageBuf`], for a request's scatterlist.
pub(crate) enum PageList {
    /// The first `.1` entries.
    Inline([*mut ffi::RawPage; INLINE_PAGES], usize),
    Heap(KVec<*mut ffi::RawPage>),
}

impl PageList {
    /// The number of pages.
    pub(crate) fn len(&self) -> usize {
        match self {
            Self::Inline(_, len) => *len,
            Self::Heap(list) => list.len(),
        }
    }

    /// The array of page pointers, [`Self::len`] long.
    pub(crate) fn as_mut_ptr(&mut self) -> *mut *mut ffi::RawPage {
        match self {
            Self::Inline(list, _) => list.as_mut_ptr(),
            Self::Heap(list) => list.as_mut_ptr(),
        }
    }
}

/// The most bytes [`PageBuf::split_tail`] splits off: a partial streaming step of a cipher.
pub(crate) const MAX_TAIL: usize = 256;

impl Drop for PageBuf {
    fn drop(&mut self) {
        let mut left = self.dirty;
        for page in self.pages.iter() {
            if left == 0 {
                break;
            }
            let len = left.min(PAGE_SIZE);
            // SAFETY: The page belongs to this buffer, which nobody else can access any more.
            // A zeroing within bounds cannot fail.
            let _ = unsafe { page.fill_zero_raw(0, len) };
            left -= len;
        }
    }
}

#[cfg(CONFIG_KUNIT = "y")]
mod tests {
    use super::*;

    kunit_case!(kcrypto_test_page_buf, |t| {
        // Three pages and a bit, written in pieces that straddle page boundaries.
        let mut buf = PageBuf::new();
        let mut piece = [0u8; 1000];
        for round in 0..13u8 {
            piece
                .iter_mut()
                .enumerate()
                .for_each(|(i, b)| *b = round ^ i as u8);
            kunit_try!(t, buf.append(&piece));
        }
        kunit_expect_eq!(t, buf.len(), 13_000);
        let mut back = [0u8; 1000];
        for round in [0u8, 4, 12] {
            kunit_try!(t, buf.read(round as usize * 1000, &mut back));
            kunit_expect!(
                t,
                back.iter().enumerate().all(|(i, &b)| b == round ^ i as u8)
            );
        }
        // Nothing outside the bytes held can be read or written.
        kunit_expect_eq!(t, buf.read(12_001, &mut back), Err(EINVAL));
        kunit_expect_eq!(t, buf.write(usize::MAX, &back[..2]), Err(EINVAL));

        // Splitting off a tail leaves the head.
        let mut tail = kunit_try!(t, buf.split_tail(12_900));
        kunit_expect_eq!(t, (buf.len(), tail.len()), (12_900, 100));
        kunit_try!(t, tail.read(0, &mut back[..100]));
        kunit_expect!(
            t,
            back[..100]
                .iter()
                .enumerate()
                .all(|(i, &b)| b == 12 ^ (900 + i) as u8)
        );
        kunit_expect_eq!(t, tail.split_tail(101).err(), Some(EINVAL));
        let mut long = PageBuf::new();
        kunit_try!(t, long.append(&[0; 300]));
        kunit_expect_eq!(t, long.split_tail(10).err(), Some(EINVAL));

        // Copying a prefix, and pages for any length up to what is held.
        let mut dst = kunit_try!(t, PageBuf::zeroed(5000));
        kunit_try!(t, dst.copy_within(0, &tail, 0, 100));
        kunit_try!(t, dst.read(0, &mut back[..100]));
        kunit_expect!(
            t,
            back[..100]
                .iter()
                .enumerate()
                .all(|(i, &b)| b == 12 ^ (900 + i) as u8)
        );
        // Within, across a page boundary; never past either end.
        kunit_try!(t, dst.copy_within(4090, &tail, 10, 50));
        kunit_try!(t, dst.read(4090, &mut back[..50]));
        kunit_expect!(
            t,
            back[..50]
                .iter()
                .enumerate()
                .all(|(i, &b)| b == 12 ^ (910 + i) as u8)
        );
        kunit_expect_eq!(t, dst.copy_within(4990, &tail, 0, 11).err(), Some(EINVAL));
        kunit_expect_eq!(t, dst.copy_within(0, &tail, 90, 11).err(), Some(EINVAL));
        kunit_expect_eq!(
            t,
            dst.copy_within(0, &tail, usize::MAX, 2).err(),
            Some(EINVAL)
        );
        kunit_expect_eq!(t, dst.pages(0).map(|p| p.len()), Ok(1));
        kunit_expect_eq!(t, dst.pages(5000).map(|p| p.len()), Ok(2));
        kunit_expect_eq!(t, dst.pages(5001).err(), Some(EINVAL));
        let mut empty = PageBuf::new();
        kunit_expect_eq!(t, empty.footprint(), 0);
        kunit_expect_eq!(t, empty.pages(0).map(|p| p.len()), Ok(1));

        // What a buffer counts against SO_SNDBUF: its pages, never more than the bound for
        // its length that a send is checked against.
        kunit_expect_eq!(t, empty.footprint(), PageBuf::footprint_of(0));
        kunit_expect_eq!(t, dst.footprint(), 2 * PAGE_FOOTPRINT);
        kunit_expect_eq!(t, PageBuf::footprint_of(5000), 2 * PAGE_FOOTPRINT);
        kunit_expect!(t, buf.footprint() <= PageBuf::footprint_of(buf.len()));
        kunit_expect!(t, tail.footprint() <= PageBuf::footprint_of(tail.len()));
    });
}
