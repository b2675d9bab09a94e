"""A file-system storage for files that must never have a public URL (payout bank files):
it lives outside MEDIA_ROOT, and `url()` refuses, so nothing links to it by mistake. Such a
file reaches a user only through a view that checks who is asking."""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no URL: serve them through a view that checks roles.")
