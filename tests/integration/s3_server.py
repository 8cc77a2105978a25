"""A real S3 endpoint for the integration tests: moto's standalone server (`moto[server]`), a
process of its own on a free loopback port, spoken to over HTTP by boto3 (django-storages) like
any S3-compatible bucket.

What moto checks, and what it does not: an unsigned request for a private object is refused
(403), as on S3; but moto serves any URL of an existing object that carries a signature,
without verifying it or its expiry (moto 5.2), so a tampered or expired presigned URL cannot be
shown refused against it."""

import contextlib
import hashlib
import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config

from tests.integration.processes import ServerProcess
from tests.integration.smtp_sink import free_loopback_port

# moto accepts any credentials: these are no secret, and name no real account.
ACCESS_KEY_ID = "AKIAWELYBPORTALTESTS"
SECRET_ACCESS_KEY = "moto-accepts-any-secret-key-for-tests"
REGION = "eu-west-3"
QUERYSTRING_EXPIRE = 300


class S3Server(ServerProcess):
    """`python -m moto.server` on 127.0.0.1: every bucket lives in its memory, until it stops."""

    label = "the S3 server (moto)"
    HOST = "127.0.0.1"

    def __init__(self, *, directory: Path, port: int | None = None):
        self.port = port or free_loopback_port()
        env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
        super().__init__(
            command=[sys.executable, "-m", "moto.server", "-H", self.HOST, "-p", str(self.port)],
            cwd=directory,
            log_path=directory / "moto-server.log",
            env=env,
        )

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.HOST}:{self.port}"

    def answers(self) -> bool:
        # ListBuckets: any HTTP answer means the server is up.
        try:
            with urllib.request.urlopen(f"{self.endpoint_url}/", timeout=1):  # noqa: S310
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def client(self):
        """A boto3 S3 client of this server, to look into the buckets behind the portal's back."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            config=Config(retries={"max_attempts": 1}),
        )

    def bucket_create(self, name: str) -> "Bucket":
        self.client().create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        return Bucket(name=name, server=self)


@dataclass(frozen=True)
class Bucket:
    name: str
    server: S3Server

    def storage_options(self) -> dict:
        """The default storage's OPTIONS, as welyb_portal/settings/data.py builds them from the
        environment() below (credentials given here, where the settings leave them to boto3's
        reading of the environment)."""
        return {
            "bucket_name": self.name,
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": QUERYSTRING_EXPIRE,
            "endpoint_url": self.server.endpoint_url,
            "region_name": REGION,
            "access_key": ACCESS_KEY_ID,
            "secret_key": SECRET_ACCESS_KEY,
        }

    def environment(self) -> dict[str, str]:
        """What a process of the portal (a worker, a web node) needs to store in this bucket."""
        return {
            "AWS_STORAGE_BUCKET_NAME": self.name,
            "AWS_S3_ENDPOINT_URL": self.server.endpoint_url,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "AWS_QUERYSTRING_EXPIRE": str(QUERYSTRING_EXPIRE),
            # Credentials come from the environment: never from the machine's metadata service.
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def object_keys(self) -> list[str]:
        client = self.server.client()
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.server.client().get_object(Bucket=self.name, Key=key)["Body"].read()

    def sha256(self, key: str) -> str:
        return hashlib.sha256(self.read(key)).hexdigest()

    def grants(self, key: str) -> list[tuple[str, str]]:
        """(grantee, permission) of the object's ACL: who may read it without a signature."""
        acl = self.server.client().get_object_acl(Bucket=self.name, Key=key)
        return [
            (grant["Grantee"].get("URI") or grant["Grantee"].get("ID", ""), grant["Permission"])
            for grant in acl["Grants"]
        ]

    def empty_and_delete(self) -> None:
        client = self.server.client()
        with contextlib.suppress(client.exceptions.NoSuchBucket):
            for key in self.object_keys():
                client.delete_object(Bucket=self.name, Key=key)
            client.delete_bucket(Bucket=self.name)
