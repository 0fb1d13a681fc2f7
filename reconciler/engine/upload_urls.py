"""Presigned PUT URLs, one per file, for `delivery.uploadTo` (s3://, gs://, az://): the
service PUTs each file there. Signing happens here, with the credentials of the standard
environment variables, and sends nothing to the bucket; the few object operations the
uploads' STAC catalog needs (read an object back, write and remove catalog objects) are here
too, so that this is the one module of pull that speaks to a bucket."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from reconciler.errors import ConfigurationError
from reconciler.loopback import is_loopback_url

VALID_FOR = timedelta(hours=2)


class Signer:
    def __init__(self, bucket_url: str, endpoint: str | None = None) -> None:
        scheme, _, rest = bucket_url.partition("://")
        bucket, _, self.prefix = rest.partition("/")
        if not bucket or scheme not in ("s3", "gs", "az"):
            raise ConfigurationError(
                f"uploadTo {bucket_url[:100]!r}: give s3://, gs:// or az:// and a bucket"
            )
        self.scheme, self.bucket, self.endpoint = scheme, bucket, endpoint
        self._store: Any = None

    def key(self, path: str) -> str:
        """The object key for a file path from the layout."""
        return f"{self.prefix.rstrip('/')}/{path}" if self.prefix else path

    def store(self) -> Any:
        """The bucket's object store (credentials from the standard environment)."""
        from obstore.store import from_url

        if self._store is None:
            config: dict[str, Any] = {}
            client: dict[str, Any] = {}
            if self.scheme == "s3" and self.endpoint:
                config["endpoint"] = self.endpoint
                if is_loopback_url(self.endpoint):
                    client["allow_http"] = True
            try:
                opener: Any = from_url
                self._store = opener(
                    f"{self.scheme}://{self.bucket}", config=config, client_options=client
                )
            except Exception as exc:  # obstore raises its own kinds for bad settings
                raise ConfigurationError(
                    f"cannot sign uploads to {self.scheme}://{self.bucket}: {type(exc).__name__}"
                ) from None
        return self._store

    def url(self, key: str) -> str:
        import obstore

        store = self.store()
        try:
            signed: str = obstore.sign(store, "PUT", key, VALID_FOR)
        except Exception as exc:  # missing credentials, for one
            raise ConfigurationError(
                f"cannot sign an upload URL for {self.scheme}://{self.bucket}/{key}: "
                f"{type(exc).__name__} (are the bucket's credentials in the environment?)"
            ) from None
        return signed

    def size(self, key: str) -> int | None:
        """The object's size, or None when there is no such object."""
        import obstore

        try:
            return int(obstore.head(self.store(), key)["size"])
        except FileNotFoundError:
            return None

    def chunks(self, key: str) -> Iterator[bytes]:
        """The object's bytes, streamed."""
        import obstore

        for chunk in obstore.get(self.store(), key):
            yield bytes(chunk)

    def read(self, key: str, limit: int) -> bytes | None:
        """A small object whole, or None when it is missing or larger than `limit`."""
        import obstore

        try:
            found = obstore.get(self.store(), key)
        except FileNotFoundError:
            return None
        if int(found.meta["size"]) > limit:
            return None
        return bytes(found.bytes())

    def write(self, key: str, body: bytes) -> None:
        import obstore

        obstore.put(self.store(), key, body)

    def keys(self, prefix: str) -> Iterator[str]:
        import obstore

        for batch in obstore.list(self.store(), prefix=prefix):
            for meta in batch:
                yield str(meta["path"])

    def remove(self, key: str) -> None:
        import obstore

        obstore.delete(self.store(), key)
