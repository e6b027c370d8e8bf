"""The documentation site's generated parts: pages rendered from the code at build time.

    from docgen.pages import GENERATED          # {"reference/commands.md": render, ...}
    markdown = GENERATED["reference/commands.md"]()

docgen/hooks.py is the MkDocs hook (mkdocs.yml `hooks:`) that adds these pages to the site and
fills the performance page from the newest bench/results file. Nothing here is installed with
the product: it runs from the repository, when the site is built.
"""
