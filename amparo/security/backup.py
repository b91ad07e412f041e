"""Encrypted backups of the database and the uploaded files, and their verified restore.

See docs/adr/0013-backups.md. A backup file is::

    MAGIC | header length (4 bytes) | header (JSON) | sealed chunk | sealed chunk | ...

Each sealed chunk is its length (4 bytes) and AES-256-GCM over at most CHUNK bytes, with the
nonce ``chunk counter (8 bytes) || last flag (4 bytes)`` and the header as associated data (the
STREAM construction): a changed, reordered, dropped or appended chunk, or a cut file, fails to
authenticate. The key comes from a passphrase through scrypt, with a random salt per backup.

Inside, the plaintext is a sequence of frames (kind, length, payload): one table header and its
row batches per table, one file header, its data and its checksum per stored file, and a
manifest last. Rows hold the values as the database stores them: confidential fields stay
encrypted with the data keyring, so a restore needs the passphrase *and* the keyring.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import hashlib
import io
import json
import os
import secrets
import struct
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.duration import duration_iso_string

from amparo.core.crypto import DecryptionError
from amparo.security.fields import EncryptedTextField, Sealed, encrypted_fields
from amparo.security.keys import keyring

MAGIC = b"AMPARO-BACKUP\x00\x01\n"
FORMAT = 1
CHUNK = 1 << 20  # plaintext bytes per sealed chunk: memory stays flat whatever the size
MIN_PASSPHRASE = 12
SCRYPT_N = 1 << 17  # 128 MiB, about half a second: costly for a guesser, cheap once a night
SCRYPT_LIMITS = (1 << 14, 1 << 20)  # what a restore accepts from a header (bounds its memory)
ROW_BATCH_BYTES = 256 * 1024
MAX_HEADER = 4096
PROGRESS_ROWS = 50_000
# Sessions are sign-ins to the instance that made the backup (signed with its secret key).
EXCLUDED_TABLES = {"django_session"}

TABLE, ROWS, FILE, DATA, FILE_END, MANIFEST = b"T", b"R", b"F", b"D", b"E", b"M"
FRAME = struct.Struct(">cI")
LENGTH = struct.Struct(">I")

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup could not be written, read or restored; the message says why and where."""


@dataclass
class Manifest:
    """What a backup holds: rows per table, size and SHA-256 per file, and its provenance."""

    tables: dict[str, int] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    key_ids: list[str] = field(default_factory=list)
    encrypted_values: int = 0
    migrations: list[str] = field(default_factory=list)
    vendor: str = ""
    created: str = ""
    amparo: str = ""
    format: int = FORMAT

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            return cls(**json.loads(raw))
        except (ValueError, TypeError) as exc:
            raise BackupError(f"the manifest is malformed ({exc.__class__.__name__})") from None


@dataclass
class RestoreReport:
    manifest: Manifest
    rows: int = 0
    files: int = 0
    decrypted: int = 0
    files_left: int = 0


# The sealed stream ------------------------------------------------------------------------


def derive_key(passphrase: str, kdf: dict[str, Any]) -> tuple[bytes, bytes]:
    """The encryption key and a check value, both from the passphrase (scrypt, 64 bytes)."""
    if not passphrase:
        raise BackupError("the passphrase is empty")
    n, r, p = kdf.get("n"), kdf.get("r"), kdf.get("p")
    if not (isinstance(n, int) and SCRYPT_LIMITS[0] <= n <= SCRYPT_LIMITS[1] and (r, p) == (8, 1)):
        raise BackupError("the header's key derivation settings are out of range: altered")
    salt = base64.b64decode(kdf["salt"])
    out = Scrypt(salt=salt, length=64, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))
    return out[:32], out[32:]


def _nonce(counter: int, last: bool) -> bytes:
    return struct.pack(">QI", counter, 1 if last else 0)


class SealedWriter(io.RawIOBase):
    """Encrypts what is written in CHUNK-sized sealed chunks; close() seals the last one."""

    def __init__(self, out: IO[bytes], passphrase: str) -> None:
        kdf = {"name": "scrypt", "n": SCRYPT_N, "r": 8, "p": 1}
        kdf["salt"] = base64.b64encode(secrets.token_bytes(16)).decode()
        key, check = derive_key(passphrase, kdf)
        header = {"format": FORMAT, "cipher": "AES-256-GCM", "chunk": CHUNK, "kdf": kdf}
        header["check"] = base64.b64encode(check).decode()
        self.header = json.dumps(header, sort_keys=True).encode()
        self.out, self.aead, self.buffer, self.counter = out, AESGCM(key), bytearray(), 0
        out.write(MAGIC + LENGTH.pack(len(self.header)) + self.header)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.buffer += data
        while len(self.buffer) > CHUNK:  # keep at least one byte back for the last chunk
            self._seal(bytes(self.buffer[:CHUNK]), last=False)
            del self.buffer[:CHUNK]
        return len(data)

    def _seal(self, plain: bytes, last: bool) -> None:
        sealed = self.aead.encrypt(_nonce(self.counter, last), plain, self.header)
        self.out.write(LENGTH.pack(len(sealed)) + sealed)
        self.counter += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self.buffer), last=True)
            self.buffer.clear()
        super().close()


class SealedReader:
    """Reads and authenticates a sealed stream; every failure is a BackupError saying why."""

    def __init__(self, source: IO[bytes], passphrase: str) -> None:
        self.source, self.counter, self.done = source, 0, False
        self.buffer, self.offset = b"", 0
        if source.read(len(MAGIC)) != MAGIC:
            raise BackupError("not an Amparo backup (or a format this version cannot read)")
        (size,) = LENGTH.unpack(self._exactly(LENGTH.size, "header"))
        if size > MAX_HEADER:
            raise BackupError("the header has an impossible length: the file was altered")
        self.header = self._exactly(size, "header")
        try:
            header = json.loads(self.header)
            key, check = derive_key(passphrase, header["kdf"])
            expected = base64.b64decode(header["check"])
        except (ValueError, KeyError, TypeError):
            raise BackupError("the header is malformed: the file was altered") from None
        if not secrets.compare_digest(check, expected):
            raise BackupError("wrong passphrase (or the file's header was altered)")
        self.aead = AESGCM(key)

    def _length(self) -> int:
        raw = self.source.read(LENGTH.size)
        if len(raw) < LENGTH.size:
            raise BackupError(f"the file is truncated (cut before chunk {self.counter})")
        (size,) = LENGTH.unpack(raw)
        if size > CHUNK + 16:
            raise BackupError(
                f"chunk {self.counter} has an impossible length: the file was altered"
            )
        return size

    def _exactly(self, size: int, what: str) -> bytes:
        raw = self.source.read(size)
        if len(raw) < size:
            raise BackupError(f"the file is truncated (cut inside {what})")
        return raw

    def _next_chunk(self) -> bool:
        if self.done:
            return False
        if self.source.peek_eof():  # type: ignore[attr-defined]
            raise BackupError(f"the file is truncated (cut after chunk {self.counter - 1})")
        sealed = self._exactly(self._length(), f"chunk {self.counter}")
        for last in (False, True):
            try:
                plain = self.aead.decrypt(_nonce(self.counter, last), sealed, self.header)
                break
            except InvalidTag:
                continue
        else:
            raise BackupError(f"chunk {self.counter} failed authentication: the file was altered")
        self.counter += 1
        self.done = last
        if last and self.source.read(1):
            raise BackupError("data follows the final chunk: the file was altered")
        self.buffer, self.offset = plain, 0
        return True

    def read(self, size: int) -> bytes:
        parts, wanted = [], size
        while wanted:
            if self.offset >= len(self.buffer) and not self._next_chunk():
                break
            piece = self.buffer[self.offset : self.offset + wanted]
            self.offset += len(piece)
            wanted -= len(piece)
            parts.append(piece)
        return b"".join(parts)

    def at_end(self) -> bool:
        return self.offset >= len(self.buffer) and not self._next_chunk()


class _Source:
    """A buffered file that can tell whether it is at its end."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = io.BufferedReader(handle)  # type: ignore[arg-type]

    def read(self, size: int) -> bytes:
        return self.handle.read(size)

    def peek_eof(self) -> bool:
        return not self.handle.peek(1)


def write_frame(out: IO[bytes], kind: bytes, payload: bytes) -> None:
    out.write(FRAME.pack(kind, len(payload)))
    out.write(payload)


def read_frames(reader: SealedReader) -> Iterator[tuple[bytes, bytes]]:
    """Each frame of the plaintext; the manifest must be last and the stream must end there."""
    while True:
        head = reader.read(FRAME.size)
        if not head:
            raise BackupError("the backup ends without its manifest: the file is incomplete")
        if len(head) < FRAME.size:
            raise BackupError("a frame is cut short: the file is incomplete")
        kind, size = FRAME.unpack(head)
        payload = reader.read(size)
        if len(payload) < size:
            raise BackupError("a frame is cut short: the file is incomplete")
        yield kind, payload
        if kind == MANIFEST:
            if not reader.at_end():
                raise BackupError("data follows the manifest: the file was altered")
            return


# Values ----------------------------------------------------------------------------------


def encode_value(f: models.Field, value: Any) -> Any:  # type: ignore[type-arg]
    """A JSON value that f.to_python() turns back into what the database held."""
    if isinstance(f, EncryptedTextField):
        return str(value) if isinstance(value, Sealed) else ""
    if value is None or isinstance(f, models.JSONField) or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return duration_iso_string(value)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    raise BackupError(f"{f.model._meta.db_table}.{f.column}: cannot save a {type(value).__name__}")


def decode_value(f: models.Field, value: Any) -> Any:  # type: ignore[type-arg]
    if isinstance(f, EncryptedTextField) or value is None:
        return value
    return f.to_python(value)


# What is saved -----------------------------------------------------------------------------


def backed_up_models() -> list[type[models.Model]]:
    """Every table Django manages, once, in a stable order (sessions excepted)."""
    seen: dict[str, type[models.Model]] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy and not meta.swapped:
            if meta.db_table not in EXCLUDED_TABLES:
                seen.setdefault(meta.db_table, model)
    return [seen[name] for name in sorted(seen)]


def columns(model: type[models.Model]) -> list[models.Field]:  # type: ignore[type-arg]
    return list(model._meta.concrete_fields)


def applied_migrations() -> list[str]:
    recorder = MigrationRecorder(connection)
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def storage_names(path: str = "") -> Iterator[str]:
    """Every file name in the default storage, depth first, sorted."""
    try:
        dirs, names = default_storage.listdir(path)
    except FileNotFoundError:
        return
    for name in sorted(names):
        yield f"{path}/{name}" if path else name
    for sub in sorted(dirs):
        yield from storage_names(f"{path}/{sub}" if path else sub)


@contextmanager
def snapshot() -> Iterator[None]:
    """One consistent read of every table, without blocking the application's writers."""
    if connection.in_atomic_block:  # already one transaction (a caller's, or a test's)
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    # SQLite in WAL mode: a deferred read transaction sees one snapshot and takes no write lock
    # (Django's own atomic() would BEGIN IMMEDIATE and hold writers off for the whole backup).
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("COMMIT")


# Backup ----------------------------------------------------------------------------------


def write_backup(path: Path, passphrase: str, progress: Progress = lambda line: None) -> Manifest:
    """Write an encrypted backup of the database and stored files to path (never replaced).

    Only the ``amparo backup`` command calls this. The file appears under its name only once
    complete (written beside it, flushed to disk, then renamed).
    """
    if len(passphrase) < MIN_PASSPHRASE:
        raise BackupError(f"the passphrase must have at least {MIN_PASSPHRASE} characters")
    if path.exists():
        raise BackupError(f"{path} already exists: refusing to replace it")
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            sealed = SealedWriter(handle, passphrase)
            out = io.BufferedWriter(sealed, CHUNK)
            manifest = _dump(out, progress)
            out.close()
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _audit("backup.create", manifest)
    return manifest


def _audit(action: str, manifest: Manifest) -> None:
    from amparo.accounts.audit import record_event

    detail = {"rows": sum(manifest.tables.values()), "files": len(manifest.files)}
    record_event(action, object_type="backup", detail=detail)


def _dump(out: IO[bytes], progress: Progress) -> Manifest:
    manifest = Manifest(vendor=connection.vendor, amparo=version("amparo"))
    keys: set[str] = set()
    with snapshot():
        manifest.created = timezone.now().isoformat()
        manifest.migrations = applied_migrations()
        for model in backed_up_models():
            manifest.tables[model._meta.db_table] = _dump_table(
                out, model, keys, manifest, progress
            )
            progress(f"table {model._meta.db_table}: {manifest.tables[model._meta.db_table]} rows")
        for name in storage_names():
            manifest.files[name] = _dump_file(out, name)
        progress(f"files: {len(manifest.files)}")
    manifest.key_ids = sorted(keys)
    write_frame(out, MANIFEST, manifest.to_json())
    return manifest


def _dump_table(
    out: IO[bytes],
    model: type[models.Model],
    keys: set[str],
    manifest: Manifest,
    progress: Progress,
) -> int:
    fields = columns(model)
    secret = [isinstance(f, EncryptedTextField) for f in fields]
    head = {"table": model._meta.db_table, "columns": [f.attname for f in fields]}
    write_frame(out, TABLE, json.dumps(head).encode())
    rows = model._base_manager.order_by("pk").values_list(*head["columns"])
    batch: list[bytes] = []
    size = count = 0
    for row in rows.iterator(chunk_size=2000):
        encoded = [encode_value(f, v) for f, v in zip(fields, row, strict=True)]
        for is_secret, value in zip(secret, encoded, strict=True):
            if is_secret and value:
                keys.add(value.split(":")[1])
                manifest.encrypted_values += 1
        line = json.dumps(encoded, ensure_ascii=False).encode()
        batch.append(line)
        size += len(line) + 1
        count += 1
        if size >= ROW_BATCH_BYTES:
            write_frame(out, ROWS, b"\n".join(batch))
            batch, size = [], 0
        if count % PROGRESS_ROWS == 0:
            progress(f"table {model._meta.db_table}: {count} rows so far")
    if batch:
        write_frame(out, ROWS, b"\n".join(batch))
    return count


def _dump_file(out: IO[bytes], name: str) -> dict[str, Any]:
    digest, size = hashlib.sha256(), 0
    write_frame(out, FILE, json.dumps({"name": name}).encode())
    try:
        with default_storage.open(name, "rb") as handle:
            while piece := handle.read(CHUNK // 2):
                digest.update(piece)
                size += len(piece)
                write_frame(out, DATA, piece)
    except FileNotFoundError:
        raise BackupError(
            f"stored file {name} disappeared during the backup; run it again"
        ) from None
    info = {"size": size, "sha256": digest.hexdigest()}
    write_frame(out, FILE_END, json.dumps(info).encode())
    return info


# Reading and restoring ----------------------------------------------------------------------


def open_backup(path: Path, passphrase: str) -> tuple[IO[bytes], SealedReader]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise BackupError(f"{path}: {exc.strerror}") from None
    try:
        return handle, SealedReader(_Source(handle), passphrase)  # type: ignore[arg-type]
    except BaseException:
        handle.close()
        raise


def check_backup(path: Path, passphrase: str, progress: Progress = lambda line: None) -> Manifest:
    """Read a whole backup without restoring it: authentication, row counts and checksums."""
    handle, reader = open_backup(path, passphrase)
    with handle:
        tables: dict[str, int] = {}
        files: dict[str, dict[str, Any]] = {}
        table = name = None
        digest, size = hashlib.sha256(), 0
        for kind, payload in read_frames(reader):
            if kind == TABLE:
                table = json.loads(payload)["table"]
                tables[table] = 0
            elif kind == ROWS and table is not None:
                tables[table] += payload.count(b"\n") + 1
            elif kind == FILE:
                name, digest, size = json.loads(payload)["name"], hashlib.sha256(), 0
            elif kind == DATA and name is not None:
                digest.update(payload)
                size += len(payload)
            elif kind == FILE_END and name is not None:
                files[name] = {"size": size, "sha256": digest.hexdigest()}
                name = None
            elif kind == MANIFEST:
                manifest = Manifest.from_json(payload)
            else:
                raise BackupError(f"unexpected frame {kind!r}: the file is malformed")
    _compare(manifest, tables, files)
    progress(
        f"backup intact: {sum(tables.values())} rows in {len(tables)} tables, {len(files)} files"
    )
    return manifest


def _compare(manifest: Manifest, tables: dict[str, int], files: dict[str, Any]) -> None:
    for table in sorted(set(manifest.tables) | set(tables)):
        if manifest.tables.get(table) != tables.get(table):
            raise BackupError(
                f"table {table}: the manifest says {manifest.tables.get(table)} rows, "
                f"the backup holds {tables.get(table)}"
            )
    for name in sorted(set(manifest.files) | set(files)):
        if manifest.files.get(name) != files.get(name):
            raise BackupError(f"file {name}: size or SHA-256 differs from the manifest")


def target_holds_data() -> list[str]:
    """What a restore would overwrite: users, entries, audit events, stored files."""
    from amparo.accounts.models import AuditEvent, User
    from amparo.cases.models import Entry

    found = [
        f"{model._meta.verbose_name_plural}: {n}"
        for model in (User, Entry, AuditEvent)
        if (n := model._base_manager.count())
    ]
    if next(storage_names(), None) is not None:
        found.append("stored files")
    return found


def restore_backup(
    path: Path, passphrase: str, force: bool = False, progress: Progress = lambda line: None
) -> RestoreReport:
    """Restore a backup into this instance, all or nothing, then verify it before committing.

    Only the ``amparo restore`` command calls this. The whole file is authenticated first; then
    every table is replaced in one transaction and the files are written; row counts, file
    checksums, the decryption of every confidential value and the audit chain are checked
    before the commit. On any failure the transaction rolls back and the written files go.
    """
    manifest = check_backup(path, passphrase, progress)
    _preflight(manifest, force)
    from amparo.accounts.audit import audit_maintenance

    written: list[str] = []
    report = RestoreReport(manifest=manifest)
    try:
        with audit_maintenance():
            _replace(path, passphrase, report, written, progress)
            _verify(report, progress)
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    finally:
        ContentType.objects.clear_cache()  # its ids are the backup's now (or again ours)
    _audit("backup.restore", manifest)
    report.files_left = sum(1 for name in storage_names() if name not in manifest.files)
    return report


def _preflight(manifest: Manifest, force: bool) -> None:
    here = applied_migrations()
    if manifest.migrations != here:
        missing = sorted(set(manifest.migrations) - set(here))
        extra = sorted(set(here) - set(manifest.migrations))
        raise BackupError(
            "the database schema differs from the backup's: "
            + (f"not applied here: {', '.join(missing[:5])}; " if missing else "")
            + (f"applied here only: {', '.join(extra[:5])}; " if extra else "")
            + "restore with the Amparo version that made the backup (then upgrade)"
        )
    lacking = sorted(set(manifest.key_ids) - set(keyring().keys))
    if lacking:
        raise BackupError(
            f"the keyring lacks key(s) {', '.join(lacking)} that encrypted the backup's values: "
            "set AMPARO_KEYRING_FILE to the keyring of the instance that made it"
        )
    holding = target_holds_data()
    if holding and not force:
        raise BackupError(
            f"the target is not empty ({'; '.join(holding)}): restore into a fresh instance, "
            "or pass --force to replace everything in it"
        )
    for name, info in manifest.files.items():
        if default_storage.exists(name) and _sha256_of(name) != info["sha256"]:
            raise BackupError(f"stored file {name} exists here with other content: remove it first")


def _replace(
    path: Path, passphrase: str, report: RestoreReport, written: list[str], progress: Progress
) -> None:
    targets = {m._meta.db_table: m for m in backed_up_models()}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # rows arrive table by table, not in FK order
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table in targets:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608 # nosec B608 # model table names
    handle, reader = open_backup(path, passphrase)
    model = fields = None
    with handle:
        frames = read_frames(reader)
        for kind, payload in frames:
            if kind == TABLE:
                model, fields = _table_target(json.loads(payload), targets)
                progress(f"restoring {model._meta.db_table}")
            elif kind == ROWS and model is not None and fields is not None:
                report.rows += _insert_rows(model, fields, payload)
            elif kind == FILE:
                name = json.loads(payload)["name"]
                if not default_storage.exists(name):
                    _write_file(name, frames, written)
                report.files += 1
    models_ = [targets[t] for t in report.manifest.tables]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models_):
            cursor.execute(sql)


def _table_target(head: dict[str, Any], targets: dict[str, Any]) -> tuple[Any, list[Any]]:
    model = targets.get(head["table"])
    if model is None:
        raise BackupError(f"table {head['table']} of the backup does not exist here")
    fields = columns(model)
    if [f.attname for f in fields] != head["columns"]:
        raise BackupError(f"table {head['table']}: its columns differ from the backup's")
    return model, fields


def _insert_rows(model: type[models.Model], fields: list[Any], payload: bytes) -> int:
    objs = []
    for line in payload.split(b"\n"):
        values = json.loads(line)
        kwargs = {f.attname: decode_value(f, v) for f, v in zip(fields, values, strict=True)}
        objs.append(model(**kwargs))
    size = max(1, connection.ops.bulk_batch_size(fields, objs))
    try:
        for start in range(0, len(objs), size):
            model._base_manager._insert(objs[start : start + size], fields=fields, raw=True)
    except DatabaseError as exc:
        raise BackupError(
            f"table {model._meta.db_table}: the database refused a row ({exc})"
        ) from None
    return len(objs)


class _FrameFile(io.RawIOBase):
    """The data frames of one stored file, read as a file until its end frame."""

    def __init__(self, frames: Iterator[tuple[bytes, bytes]]) -> None:
        self.frames, self.pending, self.finished = frames, b"", False

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self.pending and not self.finished:
            kind, payload = next(self.frames)
            if kind == DATA:
                self.pending = payload
            elif kind == FILE_END:
                self.finished = True
            else:
                raise BackupError("a stored file's data is interrupted: the file is malformed")
        size = min(len(target), len(self.pending))
        target[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size


def _write_file(name: str, frames: Iterator[tuple[bytes, bytes]], written: list[str]) -> None:
    source = _FrameFile(frames)
    saved = default_storage.save(name, File(io.BufferedReader(source, CHUNK), name=name))
    written.append(saved)
    if saved != name:
        raise BackupError(f"the storage saved {name} as {saved}")
    while not source.finished:  # a storage that stopped reading early must not desynchronise us
        source.read(CHUNK)


def _sha256_of(name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        while piece := handle.read(CHUNK):
            digest.update(piece)
    return digest.hexdigest()


def _verify(report: RestoreReport, progress: Progress) -> None:
    """Inside the restore's transaction: counts, checksums, decryption and the audit chain."""
    manifest, targets = report.manifest, {m._meta.db_table: m for m in backed_up_models()}
    for table, expected in manifest.tables.items():
        found = targets[table]._base_manager.count()
        if found != expected:
            raise BackupError(f"table {table}: {found} rows restored, the manifest says {expected}")
    for name, info in manifest.files.items():
        if _sha256_of(name) != info["sha256"]:
            raise BackupError(f"stored file {name}: its SHA-256 differs from the manifest")
    report.decrypted = _decrypt_everything(targets.values())
    if report.decrypted != manifest.encrypted_values:
        raise BackupError(
            f"{report.decrypted} confidential values decrypted, the manifest says "
            f"{manifest.encrypted_values}"
        )
    from amparo.accounts.audit import verify_chain

    if broken := verify_chain():
        raise BackupError(f"the restored audit log's chain is broken at event(s) {broken[:5]}")
    try:
        connection.check_constraints()
    except DatabaseError as exc:
        raise BackupError(f"the restored rows break a database constraint ({exc})") from None
    progress(
        f"verified: {sum(manifest.tables.values())} rows, {len(manifest.files)} file checksums, "
        f"{report.decrypted} confidential values decrypted, audit chain intact"
    )


def _decrypt_everything(models_: Any) -> int:
    """Decrypt every confidential value and evidence file with this instance's keyring."""
    from amparo.cases import evidence as stored
    from amparo.cases.models import Evidence

    count = 0
    for model in models_:
        names = [f.attname for f in encrypted_fields(model)]
        if not names:
            continue
        for obj in model._base_manager.order_by("pk").iterator(chunk_size=500):
            for name in names:
                raw = obj.__dict__.get(name)
                try:
                    getattr(obj, name)
                except DecryptionError:
                    raise BackupError(
                        f"{model._meta.db_table} row {obj.pk}: {name} does not decrypt with "
                        "this keyring"
                    ) from None
                count += isinstance(raw, Sealed)
    for item in Evidence._base_manager.exclude(stored_path="").iterator():
        for variant, name in (("original", item.stored_path), ("shared", item.shared_path)):
            if name:
                try:
                    stored.load(name, stored.aad(item, variant))
                except (DecryptionError, FileNotFoundError):
                    raise BackupError(f"evidence file {name} does not decrypt") from None
    return count
