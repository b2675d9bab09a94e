"""The admin app with Caravana's site as its default (`caravana.admin_lists.site`), so every
`@admin.register` lands on it; installed in place of ``django.contrib.admin``."""

from django.contrib.admin import apps as admin_apps


class CaravanaAdminConfig(admin_apps.AdminConfig):
    default = False  # `caravana.admin_lists` itself keeps its plain app config
    default_site = "caravana.admin_lists.site.CaravanaAdminSite"
