# SPDX-License-Identifier: GPL-2.0
#
# kcrypto: the user-facing targets. The kernel's Kbuild reads ./Kbuild, not
# this file, when it builds the module.
#
#   make run       boot the debug test kernel and show kcrypto working
#   make check     build everything missing and run every test
#   make fuzz      fuzz the socket family for SECONDS (default 300) seconds
#   make faults    run the fuzzer and well-formed operations under failslab
#                  and fail_page_alloc (FAULT_SECONDS per setting, default 20)
#   make load      the load test (tests/guest/79-load.py) for LOAD_SECONDS
#                  (default 300) seconds
#   make security-report  table of AF_ALG's CVE classes and the results of
#                  the last make check, with fuzz/fault/load figures
#   make docs      render Documentation/ to HTML (out/docs/), warnings fail
#   make bench     measure kcrypto against AF_ALG, userspace and the kernel
#                  (QUICK=1: a short run; results in out/bench/)
#   make patches   write kcrypto as an in-tree patch series for 6.12
#                  (out/patches/); make patches-check also builds it
#
# FLAVOR=debug|bench picks the test kernel; KDIR=/path builds the module
# against another 6.12+ tree with CONFIG_RUST=y instead (see README.md).

FLAVOR ?= debug
SECONDS ?= 300
FAULT_SECONDS ?= 20
LOAD_SECONDS ?= 300
export KDIR

.PHONY: all module kernel setup run check fuzz faults load security-report docs bench patches \
	patches-check lint rust-analyzer clean help

all: module

help:
	@sed -n '3,22s/^# \{0,1\}//p' Makefile

setup:
	@scripts/setup

module: setup
	@scripts/module-build $(FLAVOR)

kernel: setup
	@scripts/kernel-build $(FLAVOR)

run: setup
	@scripts/demo

check: setup
	@scripts/check

fuzz: setup
	@scripts/fuzz $(SECONDS)

faults: setup
	@scripts/faults $(FAULT_SECONDS)

load: setup module
	@scripts/vm-run --timeout $$(($(LOAD_SECONDS) + 900)) -- \
		env LOAD_SECONDS=$(LOAD_SECONDS) tests/guest/79-load.py

security-report:
	@scripts/security-report

docs:
	@scripts/setup docs
	@scripts/docs

bench:
	@scripts/setup bench
	@QUICK=$(QUICK) scripts/bench

patches: setup
	@scripts/patch-series

patches-check: setup
	@scripts/patch-series --build

lint: setup module
	@scripts/lint

rust-analyzer: setup
	@scripts/rust-analyzer $(FLAVOR)

clean:
	@if [ -f .kcrypto-kdir ]; then \
		$(MAKE) -s -C "$$(cat .kcrypto-kdir)" LLVM=1 M=$(CURDIR) clean; \
		$(MAKE) -s -C "$$(cat .kcrypto-kdir)" LLVM=1 M=$(CURDIR)/tests/canary clean; \
		$(MAKE) -s -C "$$(cat .kcrypto-kdir)" LLVM=1 M=$(CURDIR)/bench clean; \
	fi
	@rm -f .kcrypto-kdir rust-project.json
