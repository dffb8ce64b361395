"""The container image (Containerfile), built from the repository's files and tried as an
operator would: the sandbox in a container of its own, the portal in another, a purchase
completed through the portal to its receipt and PDF; a non-root user, no start without
SECRET_KEY, and the data volume across a restart. `make test-image` runs these (podman, as
root, from Debian's packages; .ci/run installs it): no image registry is reachable here, so
the base is made from Debian's packages with mmdebstrap, and the build installs from wheels
made on this machine (../shared/notes/machine-facts.md)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.helpers.harness import free_port, repository_copy

pytestmark = pytest.mark.image

BASE = "localhost/debian-min:bookworm"
IMAGE = "localhost/coworking-portal:test"
# How podman runs on these machines: runc and cgroupfs (crun refuses this kernel's hybrid
# cgroups), limits no higher than the machine's.
PODMAN = ["podman", "--runtime", "/usr/sbin/runc", "--cgroup-manager=cgroupfs"]
LIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
# Wheels for the base's Python (Debian's 3.11.2): redis asks it for async-timeout, which the
# machine's newer 3.11 does not need, so pip's marker evaluation on this machine would leave
# it out.
TARGET_PYTHON = ["--python-version", "3.11.2", "--implementation", "cp", "--abi", "cp311"]
PLATFORMS = ["manylinux_2_36_x86_64", "manylinux_2_28_x86_64", "manylinux2014_x86_64", "any"]


def podman(
    *args: str, check: bool = True, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [*PODMAN, *args], capture_output=True, text=True, timeout=timeout, check=check
    )


def _base() -> None:
    """Debian bookworm with Python 3.11 and its venv module, from Debian's packages."""
    if podman("image", "exists", BASE, check=False).returncode == 0:
        return
    tar = Path("/tmp/portal-base-bookworm.tar")  # noqa: S108
    subprocess.run(  # noqa: S603
        ["mmdebstrap", "--variant=minbase", "--include=python3,python3-venv", "bookworm", str(tar)],  # noqa: S607
        capture_output=True,
        check=True,
        timeout=900,
    )
    podman("import", str(tar), BASE)
    tar.unlink()


def _context(folder: Path) -> None:
    """The repository's files, as a clone has them, and the wheels of the dependencies."""
    repository_copy(folder)
    requirements = subprocess.run(
        [
            sys.executable,
            "-c",
            "import tomllib; print('\\n'.join(tomllib.load(open("
            "'pyproject.toml', 'rb'))['project']['dependencies']))",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    platforms = [argument for name in PLATFORMS for argument in ("--platform", name)]
    subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--only-binary=:all:",
            *TARGET_PYTHON,
            *platforms,
            "--dest",
            str(folder / "wheels"),
            *filter(None, requirements),
            "async-timeout>=4.0.3",
        ],
        check=True,
        timeout=600,
    )


@dataclass
class Built:
    seconds: float
    size: str


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Built:
    if shutil.which("podman") is None or shutil.which("mmdebstrap") is None:
        pytest.fail("podman and mmdebstrap are missing: apt-get install podman runc mmdebstrap")
    _base()
    context = tmp_path_factory.mktemp("image") / "context"
    _context(context)
    started = time.monotonic()
    podman(
        "build",
        "--format",
        "docker",
        "--network=host",
        *LIMITS,
        "--build-arg",
        f"BASE={BASE}",
        "--build-arg",
        "PIP_INSTALL_ARGS=--no-index --find-links /src/wheels",
        "-t",
        IMAGE,
        str(context),
        timeout=1200,
    )
    seconds = time.monotonic() - started
    size = podman("image", "inspect", "--format", "{{.Size}}", IMAGE).stdout.strip()
    return Built(seconds=seconds, size=size)


@dataclass
class Container:
    name: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def logs(self) -> str:
        result = podman("logs", self.name, check=False)
        return result.stdout + result.stderr


def _run(name: str, *args: str, detach: bool = True) -> subprocess.CompletedProcess[str]:
    flags = ["-d", "--name", name] if detach else ["--rm"]
    return podman("run", *flags, "--network=host", *LIMITS, *args, check=False, timeout=300)


def _healthy(container: Container, timeout: float = 60) -> float:
    """Seconds until /healthz answers."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if requests.get(f"{container.url}/healthz", timeout=2).status_code == 200:
                return time.monotonic() - started
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError(f"{container.name} never answered:\n{container.logs()[-3000:]}")


def _remove(*names: str) -> None:
    for name in names:
        podman("rm", "--force", "--time", "5", name, check=False)


@dataclass
class Stack:
    sandbox: Container
    portal: Container
    volume: str
    environment: list[str]
    started_in: float


@pytest.fixture(scope="module")
def stack(image: Built) -> Iterator[Stack]:
    sandbox = Container("portal-test-sandbox", free_port())
    portal = Container("portal-test-portal", free_port())
    volume = "portal-test-data"
    _remove(sandbox.name, portal.name)
    podman("volume", "rm", "--force", volume, "portal-test-sandbox-data", check=False)
    environment = [
        "-e",
        "SECRET_KEY=image-test-secret-key",
        "-e",
        f"PORT={portal.port}",
        "-e",
        "ALLOWED_HOSTS=127.0.0.1",
        "-e",
        f"UPSTREAM_URL={sandbox.url}/sandbox",
        "-e",
        "UPSTREAM_PUBLIC_BASE_URL=/sandbox",
        # Plain HTTP on loopback: no TLS in front of it here.
        "-e",
        "PDF_LINK_SCHEME=http",
        "-e",
        "SECURE_SSL_REDIRECT=false",
        "-e",
        "SECURE_COOKIES=false",
        "-v",
        f"{volume}:/data",
    ]
    try:
        started = _run(
            sandbox.name,
            "-e",
            "SECRET_KEY=image-test-sandbox-key",
            "-e",
            f"PORT={sandbox.port}",
            "-e",
            f"SANDBOX_PORTAL_URL={portal.url}",
            "-v",
            "portal-test-sandbox-data:/data",
            IMAGE,
            "sandbox",
        )
        assert started.returncode == 0, started.stderr
        migrated = _run("", *environment, IMAGE, "migrate", detach=False)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        assert _run(portal.name, *environment, IMAGE).returncode == 0
        started_in = _healthy(portal)
        _healthy(sandbox)
        yield Stack(sandbox, portal, volume, environment, started_in)
    finally:
        _remove(sandbox.name, portal.name)
        podman("volume", "rm", "--force", volume, "portal-test-sandbox-data", check=False)


def test_the_image_is_reported(image: Built, stack: Stack) -> None:
    """Its size and how soon it answers, for docs/deploy.md."""
    # The figures docs/deploy.md quotes, in `make test-image`'s output.
    print(  # noqa: T201
        f"\nimage {int(image.size) / 1e6:.0f} MB, built in {image.seconds:.0f} s, "
        f"healthy {stack.started_in:.1f} s after run"
    )
    assert int(image.size) < 600_000_000
    assert stack.started_in < 30


def test_a_purchase_completes_through_the_portal_to_its_receipt_and_pdf(stack: Stack) -> None:
    made = podman(
        "exec",
        stack.sandbox.name,
        "/app/deploy/entrypoint.sh",
        "sandbox-manage",
        "sandbox_purchase",
        "--gateway",
        "stripe",
    )
    completion = made.stdout.strip().splitlines()[-1]
    assert completion.startswith(f"{stack.portal.url}/en/invoices/complete?stripe_session_id=")
    with requests.Session() as browser:
        receipt = browser.get(completion, timeout=30)
        assert receipt.status_code == 200, receipt.text[-2000:]
        assert "Thank you, your payment is confirmed" in receipt.text
        # Static files collected at build time, with hashed names, served by the portal.
        css = re.search(r'href="(/static/css/portal\.[0-9a-f]+\.css)"', receipt.text)
        assert css is not None
        assert browser.get(f"{stack.portal.url}{css.group(1)}", timeout=30).status_code == 200
        link = re.search(r'href="(http[^"]*pdfByToken[^"]*)"', receipt.text)
        assert link is not None
        pdf = browser.get(link.group(1).replace("&amp;", "&"), timeout=30)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")


def test_the_portal_runs_as_a_user_of_its_own(stack: Stack) -> None:
    uid = podman("exec", stack.portal.name, "python3", "-c", "import os; print(os.getuid())")
    assert uid.stdout.strip() == "10001"
    health = podman("healthcheck", "run", stack.portal.name, check=False)
    assert health.returncode == 0, health.stdout + health.stderr


def test_it_refuses_to_start_without_secret_key(stack: Stack) -> None:
    pairs = zip(stack.environment[::2], stack.environment[1::2], strict=True)
    without = [part for pair in pairs if not pair[1].startswith("SECRET_KEY=") for part in pair]
    refused = _run("", *without, "-e", f"PORT={free_port()}", IMAGE, detach=False)
    assert refused.returncode != 0
    assert "SECRET_KEY is not set" in refused.stdout + refused.stderr


def _shell(container: Container, code: str) -> str:
    """The last line `manage.py shell -c code` prints in the container."""
    done = podman(
        "exec", container.name, "/app/deploy/entrypoint.sh", "manage", "shell", "-c", code
    )
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def test_its_data_outlives_the_container(stack: Stack) -> None:
    """A brand made in one container is there in the next one with the same volume."""
    brands = "from brands.models import Brand; "
    _shell(
        stack.portal, brands + "Brand.objects.create(slug='kept', upstream_url='https://k.example')"
    )
    _remove(stack.portal.name)
    assert _run(stack.portal.name, *stack.environment, IMAGE).returncode == 0
    _healthy(stack.portal)
    found = _shell(
        stack.portal, brands + "print(list(Brand.objects.values_list('slug', flat=True)))"
    )
    assert found == "['kept']"
    _shell(stack.portal, brands + "Brand.objects.all().delete()")
