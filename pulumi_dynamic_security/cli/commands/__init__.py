"""One module per `dynsec` command, each exposing `command` (a click command)."""
