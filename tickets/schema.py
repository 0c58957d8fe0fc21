from drf_spectacular.extensions import OpenApiAuthenticationExtension


class GuestTokenScheme(OpenApiAuthenticationExtension):
    target_class = "tickets.guest.GuestTokenAuthentication"
    name = "guestLink"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Guest <token>` from the e-mailed link: opens that one ticket only.",
        }
