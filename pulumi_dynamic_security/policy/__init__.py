"""The policy file (SPEC §2): models, loading with line numbers, per-stage resolution."""
