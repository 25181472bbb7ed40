"""`python -m pulumi_dynamic_security.github`: the action's step (see `action`)."""

from pulumi_dynamic_security.github.action import main

main()
