from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "caravana.jobs"
    label = "jobs"

    def ready(self) -> None:
        # Each app declares its job kinds in job_kinds.py; loading them here means the web
        # process and every worker know the same kinds (as the admin finds admin.py).
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("job_kinds")
