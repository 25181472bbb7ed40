"""Hosts as a browser reads them: numeric IPv4 spellings, and which hosts are local.

**IPv4 spellings.** The URL parser of every browser (the WHATWG URL standard's host parser)
reads a host that ends in a number as an IPv4 address, in any of the spellings C's
`inet_aton` accepted: one to four parts, each decimal, octal (a leading `0`) or hexadecimal
(`0x`), the last part filling the remaining bytes. So `127.1`, `2130706433`, `0x7f000001`,
`0177.0.0.1` and `0x7f.0.0.1` are all `127.0.0.1`, and the `Origin` header the browser sends
for such a page says `127.0.0.1`. We normalize a numeric host the same way, to its dotted
quad: that is the only spelling a browser request can match, and the one a reviewer reads. A
host that ends in a number but is no IPv4 address (`1.2.3.4.5`, `256.1.1.1`, `example.123`)
is one a browser refuses to load, so it is an input error.

**Local hosts** (DS103): `localhost` and `*.localhost`, a single label (`intranet`: only a
local resolver answers for it), the special-use suffixes `.local` (mDNS), `.localdomain`,
`.home.arpa` (RFC 8375), `.test` (RFC 6761), `.internal` (ICANN's private-use TLD) and
`.lan`, and the addresses the browser's Private Network Access rules treat as loopback or
private: 0.0.0.0/8, 10/8, 100.64/10 (shared address space), 127/8, 169.254/16, 172.16/12,
192.168/16, 198.18/15, and in IPv6 `::`, `::1`, fe80::/10, fc00::/7, fec0::/10 and any
IPv4-mapped, IPv4-compatible or NAT64 (64:ff9b::/96) form of a local IPv4 address.
"""

from __future__ import annotations

import ipaddress
import string

LOCAL_SUFFIXES = ("localhost", "local", "localdomain", "home.arpa", "test", "internal", "lan")
_LOCAL_V4 = tuple(ipaddress.IPv4Network(net) for net in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.168.0.0/16", "198.18.0.0/15",
))
_LOCAL_V6 = tuple(ipaddress.IPv6Network(net) for net in (
    "::/128", "::1/128", "fe80::/10", "fc00::/7", "fec0::/10",
))
_EMBEDS_V4 = tuple(ipaddress.IPv6Network(net) for net in ("::/96", "64:ff9b::/96"))
_HEX = frozenset(string.hexdigits)
_RADIX_DIGITS = {10: frozenset(string.digits), 8: frozenset("01234567"), 16: _HEX}


class NotAnAddress(ValueError):
    """A host that ends in a number, which no browser accepts as an IPv4 address."""


def ends_in_number(host: str) -> bool:
    """True when a browser parses `host` as an IPv4 address (the WHATWG "ends in a number"
    test on its last label)."""
    last = host.rpartition(".")[2]
    if last.isascii() and last.isdigit():
        return True
    return last[:2].lower() == "0x" and all(ch in _HEX for ch in last[2:])


def ipv4(host: str) -> ipaddress.IPv4Address:
    """The address a browser reads `host` as (call when `ends_in_number(host)`)."""
    parts = host.split(".")
    if len(parts) > 4:
        raise NotAnAddress("has more than four parts")
    numbers = [_number(part) for part in parts]
    if any(number > 255 for number in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(parts)):
        raise NotAnAddress("has a part too large for an IPv4 address")
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number * 256 ** (3 - index)
    return ipaddress.IPv4Address(value)


def _number(part: str) -> int:
    radix = 10
    if part[:2].lower() == "0x":
        part, radix = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        part, radix = part[1:], 8
    if part == "":
        if radix == 10:
            raise NotAnAddress("has an empty part")
        return 0
    if not all(ch in _RADIX_DIGITS[radix] for ch in part):
        raise NotAnAddress(f"has a part that is not a number: {part[:20]!r}")
    return int(part, radix)


def is_local_host(host: str) -> bool:
    """True for the local hosts of this module's docstring. A host with a `*` is local when
    what the wildcard can stand for includes local hosts (`*.localhost`, `10.*`, `*`)."""
    host = host.lower()
    if host.startswith("[") and host.endswith("]"):
        try:
            return _local_ipv6(ipaddress.IPv6Address(host[1:-1]))
        except ValueError:
            return False
    host = host.replace("*", "0")
    if ends_in_number(host):
        try:
            return _local_ipv4(ipv4(host))
        except NotAnAddress:
            return False
    if "." not in host:
        return True
    return any(host == suffix or host.endswith("." + suffix) for suffix in LOCAL_SUFFIXES)


def _local_ipv4(address: ipaddress.IPv4Address) -> bool:
    return any(address in network for network in _LOCAL_V4)


def _local_ipv6(address: ipaddress.IPv6Address) -> bool:
    if address.ipv4_mapped is not None:
        return _local_ipv4(address.ipv4_mapped)
    if any(address in network for network in _LOCAL_V6):
        return True
    if any(address in network for network in _EMBEDS_V4):
        return _local_ipv4(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return False
