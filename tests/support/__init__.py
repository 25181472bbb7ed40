"""Helpers shared by the test areas: the demo seed's ids, policies, clients of the emulator,
the request log, the command line in this process, planted tokens and secret scanning."""
