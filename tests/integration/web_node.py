"""A web node of the portal for the integration tests: `gunicorn welyb_portal.wsgi` in a process
of its own, on a free loopback port, in a directory of its own, as behind a load balancer."""

import sys
from pathlib import Path

import requests

from tests.integration.processes import ServerProcess
from tests.integration.smtp_sink import free_loopback_port


def _gunicorn() -> str:
    return str(Path(sys.executable).parent / "gunicorn")


class WebNode(ServerProcess):
    """One gunicorn worker, started with its working directory, home, temporary files and
    VAR_DIR (hence MEDIA_ROOT) in `directory`, and nothing else of the machine's disk: whatever
    the portal writes on a node's own disk lands there. `env` holds the rest of its settings.

    `request()` sends a request to this node with the Host header of a cabinet (or of the
    platform), as the load balancer passes it on; redirects are not followed."""

    HOST = "127.0.0.1"

    def __init__(self, *, name: str, directory: Path, env: dict[str, str], log_path: Path):
        self.name = name
        self.port = free_loopback_port()
        self.label = f"web node {name}"
        temporary = directory / "tmp"
        temporary.mkdir(parents=True, exist_ok=True)
        super().__init__(
            command=[
                _gunicorn(),
                "welyb_portal.wsgi",
                f"--bind={self.HOST}:{self.port}",
                "--workers=1",
                f"--worker-tmp-dir={temporary}",
                # Its default lives in $HOME, which two nodes of one machine would share.
                "--no-control-socket",
                "--access-logfile=-",
                "--error-logfile=-",
            ],
            cwd=directory,
            log_path=log_path,
            env={
                **env,
                "HOME": str(directory),
                "TMPDIR": str(temporary),
                "FILE_UPLOAD_TEMP_DIR": str(temporary),
                "VAR_DIR": str(directory / "var"),
            },
        )
        self.directory = directory

    def url(self, path: str) -> str:
        return f"http://{self.HOST}:{self.port}{path}"

    def answers(self) -> bool:
        try:
            response = requests.get(self.url("/healthz"), headers={"Host": "localhost"}, timeout=1)
        except requests.RequestException:
            return False
        return response.status_code == 200

    def request(
        self, method: str, path: str, *, host: str, session: requests.Session | None = None, **kw
    ) -> requests.Response:
        headers = {"Host": host, **kw.pop("headers", {})}
        return (session or requests).request(
            method, self.url(path), headers=headers, allow_redirects=False, timeout=30, **kw
        )
