"""The rule engine (SPEC §3): rule objects, the explicit registry, evaluation and waivers."""
