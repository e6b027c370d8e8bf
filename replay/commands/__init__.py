"""Sub-commands of the `replay` CLI, one module each, each exposing `register(subparsers)`."""
