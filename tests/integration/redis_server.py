"""A private `redis-server` for the drills that take the broker down: on a free loopback port,
without persistence, stopped and started again on the same port. The machine's shared Redis is
never touched."""

from pathlib import Path

import redis

from tests.integration.processes import ServerProcess
from tests.integration.smtp_sink import free_loopback_port


class RedisServer(ServerProcess):
    """`start()` returns once the server answers PING; `stop()` shuts it down (SIGTERM, then
    SIGKILL) and returns once the process is gone. It keeps nothing across a restart: like a
    broker that lost its memory, it comes back empty."""

    label = "redis-server"
    HOST = "127.0.0.1"

    def __init__(self, *, executable: str, directory: Path, port: int | None = None):
        self.port = port or free_loopback_port()
        super().__init__(
            command=[
                executable,
                "--port",
                str(self.port),
                "--bind",
                self.HOST,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(directory),
            ],
            cwd=directory,
            log_path=directory / "redis-server.log",
            ready_timeout=10.0,
        )

    @property
    def url(self) -> str:
        return f"redis://{self.HOST}:{self.port}/0"

    def answers(self) -> bool:
        client = redis.Redis(host=self.HOST, port=self.port, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False
        finally:
            client.close()
