"""The performance benchmark: `dynsec drift` at organisation scale, and start-up costs.

Run it from the repository root with `.venv/bin/python -m bench` (`--quick` for a smoke run).
It starts the emulator as a separate `dynsec emulator` process, creates projects through the
projects API, converges every environment to a realistic full policy, then measures each
`dynsec` command as a subprocess of its own, so that the numbers are the client's alone.
See `bench.run` for the scenarios and the README's Performance section for the results.
"""
