"""The package's top level exposes the Pulumi names lazily (PEP 562): importing it, or
loading a policy, never imports `pulumi`; touching a Pulumi name does."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pulumi_dynamic_security

ROOT = Path(__file__).resolve().parents[2]
PULUMI_NAMES = ("EnvironmentSecurity", "SecuritySettings", "AllowedOrigins", "ApiTokenRotation")


def run(code: str) -> None:
    subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=True, timeout=60,
                   cwd=ROOT)


def test_import_and_policy_loading_do_not_import_pulumi() -> None:
    run("""
        import sys
        import pulumi_dynamic_security as package
        policy = package.SecurityPolicy.load("examples/dynamic-security.yaml")
        policy.stage("production")
        loaded = sorted(m for m in sys.modules if m == "pulumi" or m.startswith("pulumi."))
        assert not loaded, loaded
    """)


def test_pulumi_names_load_on_first_use() -> None:
    run("""
        import sys
        import pulumi_dynamic_security as package
        assert "pulumi" not in sys.modules
        from pulumi_dynamic_security import EnvironmentSecurity
        assert "pulumi" in sys.modules
        assert EnvironmentSecurity.__module__ == "pulumi_dynamic_security.component"
    """)


def test_public_names() -> None:
    assert set(pulumi_dynamic_security.__all__) >= {"SecurityPolicy", *PULUMI_NAMES}
    for name in ("SecurityPolicy", *PULUMI_NAMES):
        assert getattr(pulumi_dynamic_security, name).__name__ == name
    from pulumi_dynamic_security import providers

    for name in ("SecuritySettingsProvider", "AllowedOriginsProvider",
                 "ApiTokenRotationProvider"):
        provider = getattr(providers, name)()  # the fixed names, zero-argument constructors
        assert type(provider).__name__ == name
