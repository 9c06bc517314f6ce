"""Sub-commands of the ``n2n`` CLI, one module each, listed in ``n2n.cli.COMMAND_MODULES``."""
