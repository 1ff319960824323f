// SPDX-License-Identifier: GPL-2.0

//! The operation types a socket can be bound to, one file each.
//!
//! A type has two halves: the transform of a bound socket (algorithm and key, shared by every
//! operation socket accepted from it) and the operation of an accepted socket (the data and
//! state of one request stream, owned by that socket alone).

pub(crate) mod hash;
