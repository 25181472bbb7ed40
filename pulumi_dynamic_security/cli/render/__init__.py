"""Renderers: turn reports into text for a person, JSON for a program, SARIF for code scanning.

One module per format. Each renders data it is given (stage reports today, plans later) into
a string; writing it somewhere, and deciding whether colour is wanted, is the caller's job.
"""
