"""The client's address, the one way every limit (API throttles, login lockouts) reads it.

`X-Forwarded-For` is trusted only as far as the deployment says: with `NUM_PROXIES=0` (the
default) it is ignored, so a client cannot reset its limits by sending a new header per request.
Behind N proxies, the address the outermost of them saw is the client (each proxy appends the
peer it saw); `TRUSTED_PROXIES` (addresses or networks) additionally requires the request to come
from one of them before the header is read at all.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def in_networks(address: str, networks) -> bool:
    """Whether `address` lies in one of `networks` (addresses or CIDR networks); False when it is
    not an IP address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)


def _from_trusted_proxy(remote: str) -> bool:
    networks = getattr(settings, "TRUSTED_PROXIES", [])
    if not networks:
        return True
    return in_networks(remote, networks)


def from_trusted_proxy(request: HttpRequest) -> bool:
    """Whether the request came through the proxies the deployment declared (NUM_PROXIES > 0 and,
    with TRUSTED_PROXIES, from one of them): only then may their headers be believed."""
    if getattr(settings, "NUM_PROXIES", 0) <= 0:
        return False
    return _from_trusted_proxy(request.META.get("REMOTE_ADDR", "") or "")


def client_ip(request: HttpRequest) -> str:
    meta = request.META
    remote = meta.get("REMOTE_ADDR", "") or ""
    proxies = getattr(settings, "NUM_PROXIES", 0)
    if proxies <= 0 or not _from_trusted_proxy(remote):
        return remote
    forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote
    return forwarded[-min(proxies, len(forwarded))]
