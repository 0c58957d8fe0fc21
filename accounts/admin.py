from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import AgentProfile, CustomerProfile, User
from .roles import may_export_customer_data


class CustomerDataAdmin(admin.ModelAdmin):
    """A list of every customer's e-mail address or exchange UID is a bulk export of personal
    data: admins only (accounts.roles.may_export_customer_data), even for a lead whose group was
    given the model's permissions. Staff reach one customer at a time from a ticket, masked."""

    def has_module_permission(self, request) -> bool:
        return may_export_customer_data(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return may_export_customer_data(request.user) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return may_export_customer_data(request.user) and super().has_change_permission(request, obj)

    def has_add_permission(self, request) -> bool:
        return may_export_customer_data(request.user) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return may_export_customer_data(request.user) and super().has_delete_permission(request, obj)


class CustomerProfileInline(admin.StackedInline):
    model = CustomerProfile
    can_delete = False
    extra = 0


class AgentProfileInline(admin.StackedInline):
    model = AgentProfile
    can_delete = False
    extra = 0


@admin.register(User)
class UserAdmin(CustomerDataAdmin, DjangoUserAdmin):
    inlines = [CustomerProfileInline, AgentProfileInline]
    list_display = ["username", "email", "first_name", "last_name", "role_groups", "is_active", "last_login"]
    list_filter = ["groups", "is_active", "is_staff", "is_superuser", "customer_profile__tier"]
    search_fields = ["username", "email", "first_name", "last_name", "customer_profile__exchange_uid"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Roles")
    def role_groups(self, user: User) -> str:
        return ", ".join(group.name for group in user.groups.all()) or "customer"


@admin.register(CustomerProfile)
class CustomerProfileAdmin(CustomerDataAdmin):
    list_display = ["user", "exchange_uid", "tier", "language"]
    list_filter = ["tier", "language"]
    search_fields = ["user__username", "user__email", "exchange_uid"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "tier", "languages"]
    list_filter = ["tier"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
