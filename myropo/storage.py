"""Storages without URLs: what they hold (message attachments, letters) is served only through
a view that checks access."""

from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage


class _NoURL:
    def url(self, name: str | None, *args, **kwargs) -> str:
        raise ValueError("Private files have no URL; serve them through a view that checks access.")


class PrivateFileSystemStorage(_NoURL, FileSystemStorage):
    pass


class PrivateS3Storage(_NoURL, S3Storage):
    """FILE_STORAGE=s3: the bucket is private; no signed link is ever handed out."""
