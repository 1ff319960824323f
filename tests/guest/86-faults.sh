#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A bounded slice of `make faults` (scripts/faults-guest), about 80 s: the
# fuzzer with --faults and well-formed operations of every type under
# failslab and fail_page_alloc at 5 and 50 percent, 2 s each; only
# clean errnos, correct answers, the module refcount back at its baseline
# and no kmemleak report. After 85-fuzz: the fuzzer binary is built on the
# host (scripts/tools-build).
#
# Environment: FAULTS_SECONDS (per workload and setting, default 2),
# FAULT_PROBS (default "5 50").
here=$(dirname "$(realpath "$0")")
FAULT_PROBS=${FAULT_PROBS:-5 50} exec "$here/../../scripts/faults-guest" "${FAULTS_SECONDS:-2}"
