from drf_spectacular.extensions import OpenApiAuthenticationExtension


class GuestTokenScheme(OpenApiAuthenticationExtension):
    target_class = "tickets.guest.GuestTokenAuthentication"
    name = "guestLink"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Guest <secret>`, the secret from the e-mailed link (`/guest/#k=<secret>`): opens that one "
                "ticket's customer endpoints only; everywhere else the caller is anonymous."
            ),
        }
