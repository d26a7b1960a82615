"""How many requests one client may make: `settings.API_RATE` per address."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class ClientRateThrottle(AnonRateThrottle):
    """Every API client is anonymous; they are told apart by address.

    The address is DRF's `get_ident()`, which with `NUM_PROXIES` (the project's proxy
    count) takes the same X-Forwarded-For entry as the admin's login limit
    (newsroom.middleware.client_ip): entries a client wrote itself are never trusted.
    Counts live in the default cache, which every worker shares (disk or Redis).
    """

    scope = "api"

    def get_rate(self):
        # Read per request, not once at import as DRF does: the setting is the one knob.
        return settings.API_RATE
