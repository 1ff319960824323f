// SPDX-License-Identifier: GPL-2.0

//! Safe wrappers over the kernel crypto API.
//!
//! Each type owns one crypto API object and frees it on drop; an operation that needs prior
//! set-up (a digest needs an initialised state) can only be reached through a value proving it.

pub(crate) mod hash;
