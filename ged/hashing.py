import hashlib
from typing import IO

from django.core.files import File


class HashingFile(File):
    """An upload seen through a window that hashes (sha256) what storage reads, as it reads.

    Storage backends read sequentially (FileSystemStorage by chunks, S3 by parts); some seek
    first to learn the size. Every byte between 0 and the furthest position read is hashed once;
    `hexdigest()` completes the hash from the source if a backend skipped a part, so that the
    result is always the sha256 of the whole file, with at most one chunk in memory."""

    # Always a source: an upload, an open stored file, a stream in memory.
    file: IO[bytes]

    def __init__(self, file: IO[bytes], name: str | None = None):
        super().__init__(file, name)
        self._sha256 = hashlib.sha256()
        self._hashed = 0

    def read(self, size: int = -1) -> bytes:
        start = self.file.tell()
        data = self.file.read(size)
        if start <= self._hashed < start + len(data):
            self._sha256.update(memoryview(data)[self._hashed - start :])
            self._hashed = start + len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.file.seek(offset, whence)

    def hexdigest(self) -> str:
        position = self.file.tell()
        self.file.seek(self._hashed)
        while chunk := self.file.read(self.DEFAULT_CHUNK_SIZE):
            self._sha256.update(chunk)
            self._hashed += len(chunk)
        self.file.seek(position)
        return self._sha256.hexdigest()
