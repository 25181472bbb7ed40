"""The policy file (docs/policy.md): models, the areas, loading with line numbers, per-stage
resolution."""
