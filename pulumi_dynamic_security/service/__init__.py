"""The use cases the CLI and the Pulumi providers share: read, plan, apply, drift, export.

Nothing here prints or exits: results are returned as objects and failures raised as
`DynsecError`s; the CLI renders them and the providers turn them into Pulumi results.
"""
