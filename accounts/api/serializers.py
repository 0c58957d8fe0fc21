from rest_framework import serializers

from support_desk.serializers import StrictSerializer

from ..models import CustomerProfile


class TwoFactorSerializer(serializers.Serializer):
    enrolled = serializers.BooleanField()
    required = serializers.BooleanField(help_text="The deployment requires two-factor for staff.")


class AccountSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.EmailField(help_text="Where the desk's e-mails go. Change it with account/email/.")
    role = serializers.ChoiceField(choices=["customer", "agent", "lead", "admin"])
    language = serializers.ChoiceField(choices=CustomerProfile.Language.choices)
    time_zone = serializers.CharField(help_text="An IANA time zone name; empty: the browser's.")
    anti_phishing_code = serializers.CharField(help_text="Shown at the top of every e-mail the desk sends.")
    two_factor = TwoFactorSerializer(help_text="Staff only; customers get null.", allow_null=True)


class AccountUpdateSerializer(StrictSerializer):
    language = serializers.ChoiceField(choices=CustomerProfile.Language.choices, required=False)
    time_zone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    anti_phishing_code = serializers.CharField(max_length=32, required=False, allow_blank=True)


class EmailChangeSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class PasswordChangeSerializer(StrictSerializer):
    old_password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    new_password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()
