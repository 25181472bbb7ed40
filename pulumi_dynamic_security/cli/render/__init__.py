"""Renderers: turn reports into text for a person, JSON for a program, SARIF for code scanning.

One module per format (docs/cli.md#output-formats). Each renders what it is given (stage
reports, plans, drift reports) into a string; writing it somewhere, and deciding whether
colour is wanted, is the caller's job. Untrusted text goes through `escaping`, the function
for that output (docs/cli.md#untrusted-text).
"""
