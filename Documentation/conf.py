# SPDX-License-Identifier: GPL-2.0
# Sphinx configuration for `make docs` (scripts/docs): HTML into out/docs/,
# every warning an error.
project = "kcrypto"
copyright = "The kcrypto developers"
root_doc = "index"
exclude_patterns = ["_build"]
highlight_language = "none"
html_theme = "alabaster"
html_show_sourcelink = False
