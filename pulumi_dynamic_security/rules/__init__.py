"""The rule engine (docs/rules.md): rule objects, the explicit registry, evaluation and
waivers."""
