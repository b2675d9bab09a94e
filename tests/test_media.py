"""caravana.media serves uploads from the file-system storage without DEBUG, as images only,
never as a page; the settings pick S3-compatible storage from the environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.imagefiles import image_bytes


@pytest.fixture
def files(media_root):
    (media_root / "products").mkdir(parents=True)
    (media_root / "products" / "a.png").write_bytes(image_bytes("PNG"))
    (media_root / "products" / "b.jpg").write_bytes(image_bytes("JPEG"))
    (media_root / "old.html").write_bytes(b"<script>alert(1)</script>")
    (media_root.parent / "secret.txt").write_text("outside the media root")
    return media_root


def test_images_are_served_inline_with_their_type_and_safety_headers(files, settings):
    assert settings.DEBUG is False
    r = Client().get("/media/products/a.png")
    assert r.status_code == 200
    assert r["Content-Type"] == "image/png"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Content-Disposition"] == 'inline; filename="a.png"'
    assert r["Content-Security-Policy"] == "default-src 'none'; img-src 'self'; sandbox"
    assert "max-age=31536000" in r["Cache-Control"]
    assert b"".join(r.streaming_content) == (files / "products" / "a.png").read_bytes()
    assert Client().get("/media/products/b.jpg")["Content-Type"] == "image/jpeg"
    again = Client().get("/media/products/a.png", HTTP_IF_MODIFIED_SINCE=r["Last-Modified"])
    assert again.status_code == 304


def test_anything_else_is_an_attachment_never_a_page(files):
    r = Client().get("/media/old.html")
    assert r.status_code == 200
    assert r["Content-Type"] == "application/octet-stream"
    assert r["Content-Disposition"].startswith("attachment")
    assert r["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in r["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path",
    [
        "/media/../secret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/products/%2e%2e/%2e%2e/secret.txt",
        "/media/products/..%2f..%2fsecret.txt",
        "/media/products/..%5c..%5csecret.txt",
        "/media//etc/passwd",
        "/media/products/",
        "/media/products",
        "/media/products/missing.png",
        "/media/link.png",
    ],
)
def test_path_traversal_and_missing_files_are_404(files, path):
    (files / "link.png").symlink_to(files.parent / "secret.txt")
    r = Client().get(path)
    assert r.status_code == 404
    assert b"outside the media root" not in r.content


def test_a_nul_byte_in_a_media_path_is_refused_before_the_file_system(files):
    """caravana.guards refuses a NUL anywhere in a path (400) before any view runs."""
    r = Client().get("/media/products/a.png%00.html")
    assert r.status_code == 400
    assert b"outside the media root" not in r.content


def test_only_reads(files):
    assert Client().post("/media/products/a.png").status_code == 405
    assert Client().head("/media/products/a.png").status_code == 200


def _default_storage_in_a_fresh_process(**env) -> str:
    code = (
        "import django; django.setup();"
        "from django.core.files.storage import default_storage as s;"
        "s._setup(); w = s._wrapped;"
        "print(type(w).__module__ + '.' + type(w).__name__);"
        "print(w.url('products/x.png'));"
        "print(getattr(w, 'bucket_name', '-'), getattr(w, 'endpoint_url', '-'),"
        " getattr(w, 'region_name', '-'), getattr(w, 'access_key', '-'))"
    )
    src = str(Path(__file__).resolve().parents[1] / "src")
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CARAVANA_MEDIA"))}
    run = subprocess.run(
        [sys.executable, "-c", code],
        env={**keep, "PYTHONPATH": src, "DJANGO_SETTINGS_MODULE": "caravana.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_settings_select_s3_storage_from_the_environment():
    """No network: the S3 client is built lazily, and a custom domain makes URLs locally."""
    pytest.importorskip("storages.backends.s3")
    out = _default_storage_in_a_fresh_process(
        CARAVANA_MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="caravana-media",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9",
        AWS_S3_REGION_NAME="auto",
        AWS_S3_CUSTOM_DOMAIN="media.example.com",
        AWS_ACCESS_KEY_ID="test-key",
        AWS_SECRET_ACCESS_KEY="test-secret",
    )
    backend, url, bucket, endpoint, region, key = out.split()
    assert backend == "storages.backends.s3.S3Storage"
    assert url == "https://media.example.com/products/x.png"
    assert (bucket, endpoint, region, key) == (
        "caravana-media",
        "http://127.0.0.1:9",
        "auto",
        "test-key",
    )


def test_file_system_storage_is_the_default():
    out = _default_storage_in_a_fresh_process()
    assert out.split()[0] == "django.core.files.storage.filesystem.FileSystemStorage"
